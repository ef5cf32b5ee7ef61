// diocheck: deterministic model checker for the Linux DIO/AIO completion path.
// Exit status: 0 nothing found, 1 a property was violated, 2 bad usage or bad input.
#include <fmt/format.h>

#include "harness/cli/cli.hpp"
#include "harness/run/corpus.hpp"
#include "harness/run/strategy_factory.hpp"
#include "harness/sched/schedule.hpp"

int main(int argc, char** argv) {
  using namespace dc::cli;
  CLI::App app{"diocheck: deterministic model checker for the Linux direct-I/O / AIO completion path.\n"
               "With no command: the main job, a time-boxed campaign over every kernel variant and\n"
               "filesystem, a findings table and an HTML report."};
  app.set_help_all_flag("--help-all", "Help for every command");
  std::unique_ptr<Command> chosen;
  add_fuzz(app, chosen);
  add_replay(app, chosen);
  add_shrink(app, chosen);
  add_show(app, chosen);
  add_corpus(app, chosen);
  add_list(app, chosen);
  add_mutants(app, chosen);
  add_host(app, chosen);
  add_explore(app, chosen);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "diocheck: {}\n", e.what());
    return kUsage;
  }
  try {
    if (!chosen) chosen = main_job();
    return chosen->run();
  } catch (const UsageError& e) {
    fmt::print(stderr, "diocheck: {}\n", e.what());
  } catch (const dc::harness::CorpusError& e) {
    fmt::print(stderr, "diocheck: {}\n", e.what());
  } catch (const dc::harness::StrategyError& e) {
    fmt::print(stderr, "diocheck: {}\n", e.what());
  } catch (const dc::sched::ScheduleError& e) {
    fmt::print(stderr, "diocheck: {}\n", e.what());
  }
  return kUsage;
}
