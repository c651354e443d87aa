#include <iostream>
#include <string>
#include <vector>

#include "server/config.hpp"
#include "server/run.hpp"

extern char** environ;

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  auto config = esm::server::parse_config(args, env);
  if (!config.ok()) {
    std::cerr << "esm-emulator: " << config.error().message << '\n';
    return 2;
  }
  if (config.value().help) {
    std::cout << esm::server::usage();
    return 0;
  }
  if (config.value().version) {
    std::cout << "esm-emulator 0.1.0\n";
    return 0;
  }
  return esm::server::run(config.value());
}
