#pragma once

#include "Monlight/Version.h"
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace Monlight
{

/// A plugin's embedded files, keyed by their path in the plugin's folder (`sql/001_initial.sql`, `web/index.html`).
/// The plugin build (`monlight_add_plugin`, `monlight_add_external_plugin`) embeds every file under `sql/` and `web/`.
using EmbeddedFiles = std::map<std::string, std::string_view>;

/// The schema migrations among `files`: every `sql/<N>_<name>.sql`, where migration N (numbered from 1) is the file
/// whose name starts with the decimal number N (`001_initial.sql` is migration 1). Numbers must run from 1 without
/// a gap or a duplicate, and every file under `sql/` must be named so; otherwise this throws
/// Poco::DataFormatException naming the file. The database applies the migrations above its recorded schema
/// version in order, each in its own transaction.
/// The files of `sql/postgresql/` (the migrations of a plugin's PostgreSQL store, numbered the same way on their
/// own) are not among them.
MONLIGHT_API std::vector<std::string> sqlMigrations(const EmbeddedFiles& files);

/// The same for the migrations under `dir` (`sql/postgresql/`): its files, none of its subfolders.
MONLIGHT_API std::vector<std::string> sqlMigrations(const EmbeddedFiles& files, const std::string& dir);

} // namespace Monlight
