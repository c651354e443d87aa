#pragma once

#include <pthread.h>

namespace esm::engine {

// Names the calling thread as `top -H`, `ps -L` and profilers show it (at most 15 characters;
// longer names are cut). The emulator's threads are "esm-" and their role; librdkafka's own are
// "rdk:".
inline void name_this_thread(const char* name) {
  char cut[16] = {};
  for (int i = 0; i < 15 && name[i] != '\0'; ++i) cut[i] = name[i];
  pthread_setname_np(pthread_self(), cut);
}

}  // namespace esm::engine
