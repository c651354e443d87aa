// For ThreadSanitizer builds only (ESM_SANITIZE=thread): librdkafka (Debian's, uninstrumented)
// runs its threads, mutexes and condition variables through C11 <threads.h>, which glibc 2.34+
// implements by calling its pthread internals directly, past TSan's interceptors. TSan then
// never learns of librdkafka's threads (and crashes in them) nor of the locks that order memory
// handed between them and ours. This library, linked ahead of libc into every executable of that
// build, defines the C11 calls librdkafka uses in terms of the public pthread functions, which
// TSan intercepts. glibc's C11 types have the layout of the pthread ones they wrap.
#include <pthread.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <ctime>

namespace {

// glibc's values (threads.h).
constexpr int kSuccess = 0, kBusy = 1, kError = 2, kNoMem = 3, kTimedOut = 4;
constexpr int kMtxRecursive = 1;

int result(int pthread_rc) {
  switch (pthread_rc) {
    case 0:
      return kSuccess;
    case EBUSY:
      return kBusy;
    case ENOMEM:
      return kNoMem;
    case ETIMEDOUT:
      return kTimedOut;
    default:
      return kError;
  }
}

struct Start {
  int (*fn)(void*);
  void* arg;
};

void* trampoline(void* p) {
  const Start s = *static_cast<Start*>(p);
  std::free(p);
  return reinterpret_cast<void*>(static_cast<std::intptr_t>(s.fn(s.arg)));
}

}  // namespace

extern "C" {

int thrd_create(pthread_t* thr, int (*fn)(void*), void* arg) {
  auto* s = static_cast<Start*>(std::malloc(sizeof(Start)));
  if (s == nullptr) return kNoMem;
  *s = Start{fn, arg};
  const int rc = pthread_create(thr, nullptr, trampoline, s);
  if (rc != 0) std::free(s);
  return result(rc);
}

int thrd_join(pthread_t thr, int* res) {
  void* out = nullptr;
  const int rc = pthread_join(thr, &out);
  if (rc == 0 && res != nullptr) *res = static_cast<int>(reinterpret_cast<std::intptr_t>(out));
  return result(rc);
}

int thrd_detach(pthread_t thr) { return result(pthread_detach(thr)); }

int mtx_init(pthread_mutex_t* m, int type) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  if (type & kMtxRecursive) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  const int rc = pthread_mutex_init(m, &attr);
  pthread_mutexattr_destroy(&attr);
  return result(rc);
}
int mtx_lock(pthread_mutex_t* m) { return result(pthread_mutex_lock(m)); }
int mtx_trylock(pthread_mutex_t* m) { return result(pthread_mutex_trylock(m)); }
int mtx_unlock(pthread_mutex_t* m) { return result(pthread_mutex_unlock(m)); }
void mtx_destroy(pthread_mutex_t* m) { pthread_mutex_destroy(m); }

int cnd_init(pthread_cond_t* c) { return result(pthread_cond_init(c, nullptr)); }
int cnd_signal(pthread_cond_t* c) { return result(pthread_cond_signal(c)); }
int cnd_broadcast(pthread_cond_t* c) { return result(pthread_cond_broadcast(c)); }
int cnd_wait(pthread_cond_t* c, pthread_mutex_t* m) { return result(pthread_cond_wait(c, m)); }
int cnd_timedwait(pthread_cond_t* c, pthread_mutex_t* m, const struct timespec* abs) {
  return result(pthread_cond_timedwait(c, m, abs));
}
void cnd_destroy(pthread_cond_t* c) { pthread_cond_destroy(c); }

void call_once(pthread_once_t* flag, void (*fn)()) { pthread_once(flag, fn); }

}  // extern "C"
