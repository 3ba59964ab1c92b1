// `torghut migrate up|status`: the Postgres migration runner (persistence/migrations). The
// connection comes from DB_DSN; its password is never printed.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "commands.hpp"
#include "torghut/persistence/dsn.hpp"
#include "torghut/persistence/migrations.hpp"

namespace torghut::app {
namespace {
struct migrate_options {
  std::string dir;
  bool up = false, status = false;
};
}  // namespace

command add_migrate_command(CLI::App& app) {
  auto opts = std::make_shared<migrate_options>();
  command c;
  c.sub = app.add_subcommand("migrate", "apply (up) or list (status) the Postgres migrations; DSN from DB_DSN");
  c.sub->require_subcommand(1);
  auto* up = c.sub->add_subcommand("up", "apply every pending migration, in order");
  auto* st = c.sub->add_subcommand("status", "list every migration and whether it is applied");
  c.sub->add_option("--dir", opts->dir,
                    "migrations folder (default: $TORGHUT_MIGRATIONS_DIR, ./migrations, else the ones built in)");
  c.run = [opts, up, st] {
    namespace p = persistence;
    const std::string dsn = p::dsn_from_env();
    if (dsn.empty()) {
      std::fprintf(stderr, "torghut migrate: DB_DSN is not set (scripts/pg.sh env prints one for the local cluster)\n");
      return exit_code::config;
    }
    const std::string dir = opts->dir.empty() ? p::default_migrations_dir() : opts->dir;
    try {
      // A deployed binary (the container) has no migrations folder: the files built into it are
      // the same ones (a test compares them byte for byte), and the ones the schema check expects.
      std::error_code ec;
      const char* env_dir = std::getenv("TORGHUT_MIGRATIONS_DIR");
      const bool use_bundled = opts->dir.empty() && (env_dir == nullptr || *env_dir == '\0') &&
                               !std::filesystem::is_directory(dir, ec);
      const auto files = use_bundled ? p::bundled_migrations() : p::load_migrations(dir);
      if (*up) {
        const auto res = p::migrate_up(dsn, files);
        if (res.applied.empty()) std::printf("migrate: up to date (%zu migrations) on %s\n", files.size(), p::redact_dsn(dsn).c_str());
        for (const auto& n : res.applied) std::printf("migrate: applied %s\n", n.c_str());
        return exit_code::ok;
      }
      if (*st) {
        bool ok = true;
        for (const auto& s : p::migration_statuses(dsn, files)) {
          std::printf("%-48s %-13s %s\n", s.name.c_str(), p::to_string(s.state), s.applied_at.c_str());
          ok = ok && (s.state == p::migration_state::applied || s.state == p::migration_state::pending);
        }
        return ok ? exit_code::ok : exit_code::failure;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "torghut migrate: %s\n", p::scrub(e.what(), dsn).c_str());
      return exit_code::failure;
    }
    return exit_code::config;
  };
  return c;
}
}  // namespace torghut::app
