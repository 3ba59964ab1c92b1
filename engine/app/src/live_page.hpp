#pragma once
/// The live page served at GET / (engine/app/web/index.html, embedded at build time): one
/// self-contained document (inline CSS and JS, nothing fetched from elsewhere) that polls the
/// control API and drives its controls.

#include <string_view>

namespace torghut::app {

[[nodiscard]] std::string_view live_page_html() noexcept;

}  // namespace torghut::app
