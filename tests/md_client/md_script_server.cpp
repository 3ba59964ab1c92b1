// The trade_stream tests' scripted WebSocket server, compiled into test_md_client as well (one
// implementation, not a copy): a hostile market-data server is a script of frames.
// GCC -O3 reports false -Wnull-dereference inside inlined Asio code (as for test_trade_stream).
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include "../trade_stream/script_server.cpp"  // NOLINT(bugprone-suspicious-include)
