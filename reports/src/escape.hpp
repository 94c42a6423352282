#pragma once
// Escaping text for markup (html.cpp, junit.cpp). Internal to reports/.

#include <string>
#include <string_view>

namespace corosim::reports::detail {

// The five markup characters as entities (the apostrophe as `apostrophe`: "&apos;" for XML, "&#39;" for HTML,
// which predates &apos;), and control characters other than tab and line ends, which XML 1.0 cannot carry even
// as references and which have no business in a report, as U+FFFD.
inline std::string escape_markup(std::string_view text, const char *apostrophe) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += apostrophe; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
          out += "\xEF\xBF\xBD";
        else
          out += c;
    }
  }
  return out;
}

}  // namespace corosim::reports::detail
