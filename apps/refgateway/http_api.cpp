#include "http_api.hpp"

#include <algorithm>
#include <initializer_list>
#include <charconv>
#include <list>
#include <optional>
#include <utility>

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http.hpp"
#include "boost/json.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/core/time.hpp"
#include "emscore/profile/export.hpp"

namespace emscore::refgw {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kPrefix = "/app/api/";

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// ---- small helpers ---------------------------------------------------------------------------

std::string json_quote(std::string_view s) {
  return json::serialize(json::value(json::string_view(s.data(), s.size())));
}

json::string_view jsv(std::string_view s) { return {s.data(), s.size()}; }
std::string_view to_sv(beast::string_view s) { return {s.data(), s.size()}; }

std::string time_text(absl::Time t, const absl::TimeZone& tz) { return format_iso8601(t, tz); }
json::value time_json(absl::Time t, const absl::TimeZone& tz) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return nullptr;
  return json::value(jsv(time_text(t, tz)));
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i], b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// A client-supplied name as it goes into the event log: at most 64 bytes, control characters
// replaced (an attacker chooses these strings).
std::string loggable(std::string_view name) {
  std::string out(name.substr(0, 64));
  for (char& ch : out)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F) ch = '?';
  if (name.size() > 64) out += "...";
  return out;
}

std::int64_t retry_seconds(absl::Duration d) {
  const std::int64_t s = absl::ToInt64Seconds(absl::Ceil(d, absl::Seconds(1)));
  return std::max<std::int64_t>(1, s);
}

// An error answer: {"error", "where", "expected"}.
struct ApiError {
  http::status status = http::status::bad_request;
  std::string error;
  std::string where;
  std::string expected;
};

http::status status_for(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return http::status::bad_request;
    case absl::StatusCode::kNotFound:
      return http::status::not_found;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:
      return http::status::conflict;
    case absl::StatusCode::kPermissionDenied:
      return http::status::forbidden;
    case absl::StatusCode::kUnavailable:
      return http::status::service_unavailable;
    default:
      return http::status::internal_server_error;
  }
}

ApiError from_status(const absl::Status& s, std::string where, std::string expected) {
  return ApiError{status_for(s), std::string(to_std(s.message())), std::move(where),
                  std::move(expected)};
}

// The query string as decoded key/value pairs (the last of a repeated key wins).
struct Query {
  std::vector<std::pair<std::string, std::string>> items;
  const std::string* get(std::string_view key) const {
    const std::string* found = nullptr;
    for (const auto& [k, v] : items)
      if (k == key) found = &v;
    return found;
  }
};

std::optional<Query> parse_query(std::string_view q) {
  Query out;
  while (!q.empty()) {
    const std::size_t amp = q.find('&');
    std::string_view item = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    auto k = percent_decode(item.substr(0, eq), true);
    auto v = percent_decode(eq == std::string_view::npos ? "" : item.substr(eq + 1), true);
    if (!k || !v) return std::nullopt;
    out.items.emplace_back(std::move(*k), std::move(*v));
  }
  return out;
}

struct CsvFormat {
  char separator = ';';
  char decimal = '.';
};

// A query parameter that names one of a few spellings of a character: that character, or an
// error naming what is accepted.
struct CharChoice {
  std::string_view spelling;
  char value;
};
std::optional<ApiError> char_param(const Query& q, const char* name,
                                   std::initializer_list<CharChoice> choices,
                                   std::string_view expected, char& out) {
  const std::string* s = q.get(name);
  if (s == nullptr) return std::nullopt;
  for (const CharChoice& c : choices) {
    if (*s == c.spelling) {
      out = c.value;
      return std::nullopt;
    }
  }
  return ApiError{http::status::bad_request, str_cat("invalid ", name, " \"", *s, "\""),
                  str_cat("query parameter ", name), std::string(expected)};
}

// separator=semicolon|comma, decimal=point|comma (decimal comma with comma separator is
// ambiguous and refused, as in profile::to_csv).
std::optional<ApiError> parse_csv_format(const Query& q, CsvFormat& f) {
  if (auto e = char_param(q, "separator", {{"semicolon", ';'}, {";", ';'}, {"comma", ','}, {",", ','}},
                          "semicolon or comma", f.separator))
    return e;
  if (auto e = char_param(q, "decimal", {{"point", '.'}, {".", '.'}, {"comma", ','}, {",", ','}},
                          "point or comma", f.decimal))
    return e;
  if (f.decimal == ',' && f.separator == ',')
    return ApiError{http::status::bad_request, "decimal comma with comma separator is ambiguous",
                    "query parameters decimal and separator",
                    "separator=semicolon with decimal=comma"};
  return std::nullopt;
}

void csv_field(std::string& out, std::string_view v, char sep) {
  const bool quote = v.find_first_of(std::string{sep, '"', '\r', '\n'}) != std::string_view::npos;
  if (!quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string decimal_text(const Value& v, char decimal) {
  std::string s = v.to_string();
  if (decimal != '.') std::replace(s.begin(), s.end(), '.', decimal);
  return s;
}

// A required time parameter (or optional with a fallback).
std::optional<ApiError> time_param(const Query& q, std::string_view name, bool required,
                                   absl::Time fallback, absl::Time& out) {
  const std::string* v = q.get(name);
  constexpr std::string_view kExpected =
      "RFC 3339 time (2024-04-11T13:00:25Z, 2024-04-11T15:00:25+02:00) or epoch seconds";
  if (v == nullptr || v->empty()) {
    if (!required) {
      out = fallback;
      return std::nullopt;
    }
    return ApiError{http::status::bad_request, str_cat("missing query parameter \"", name, "\""),
                    str_cat("query parameter ", name), std::string(kExpected)};
  }
  auto t = parse_api_time(*v);
  if (!t.ok())
    return ApiError{http::status::bad_request,
                    str_cat("invalid query parameter \"", name, "\": \"", *v, "\""),
                    str_cat("query parameter ", name), std::string(kExpected)};
  out = *t;
  return std::nullopt;
}

std::optional<ApiError> int_param(const Query& q, std::string_view name, std::int64_t lo,
                                  std::int64_t hi, std::int64_t fallback, std::int64_t& out) {
  const std::string* v = q.get(name);
  if (v == nullptr || v->empty()) {
    out = fallback;
    return std::nullopt;
  }
  std::int64_t x = 0;
  const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (ec != std::errc() || p != v->data() + v->size() || x < lo || x > hi)
    return ApiError{http::status::bad_request,
                    str_cat("invalid query parameter \"", name, "\": \"", *v, "\""),
                    str_cat("query parameter ", name), str_cat("an integer from ", lo, " to ", hi)};
  out = x;
  return std::nullopt;
}

// Body helpers: a JSON object and string/bool members, with errors naming the member.
std::optional<ApiError> body_object(const Request& req, std::string_view example,
                                    json::object& out) {
  boost::system::error_code ec;
  json::value v = json::parse(jsv(req.body()), ec);
  if (ec)
    return ApiError{http::status::bad_request, str_cat("request body is not JSON: ", ec.message()),
                    "request body", std::string(example)};
  if (!v.is_object())
    return ApiError{http::status::bad_request, "request body is not a JSON object", "request body",
                    std::string(example)};
  out = std::move(v.as_object());
  return std::nullopt;
}

std::optional<ApiError> body_string(const json::object& o, std::string_view key,
                                    std::string_view expected, std::string& out) {
  const json::value* v = o.if_contains(jsv(key));
  if (v == nullptr)
    return ApiError{http::status::bad_request, str_cat("missing \"", key, "\""),
                    str_cat("request body $.", key), std::string(expected)};
  if (!v->is_string())
    return ApiError{http::status::bad_request, str_cat("\"", key, "\" is not a string"),
                    str_cat("request body $.", key), std::string(expected)};
  out.assign(v->as_string().data(), v->as_string().size());
  return std::nullopt;
}

// Where a parse_config error points: "config: $.devices[2].bus: ..." -> "$.devices[2].bus".
std::string config_error_where(std::string_view msg) {
  const std::size_t d = msg.find("$");
  if (d == std::string_view::npos) return "request body";
  const std::size_t end = msg.find(": ", d);
  return str_cat("request body ",
                 msg.substr(d, end == std::string_view::npos ? msg.npos : end - d));
}

enum class Ep : std::uint8_t {
  kHealth,
  kLogin,
  kLogout,
  kSerial,
  kDevices,
  kHistory,
  kEvents,
  kConfig,
  kControl,
  kOutput,
  kUsers,
  kUser,
  kUserPassword,
  kUserRole,
};

struct Route {
  Ep ep;
  std::vector<http::verb> methods;
  std::string arg;  // serial file name, output name, user name
};

std::optional<Route> match_route(const std::vector<std::string>& s) {
  using V = http::verb;
  const std::size_t n = s.size();
  if (n == 1) {
    if (s[0] == "health") return Route{Ep::kHealth, {V::get}, {}};
    if (s[0] == "login") return Route{Ep::kLogin, {V::post}, {}};
    if (s[0] == "logout") return Route{Ep::kLogout, {V::post}, {}};
    if (s[0] == "devices") return Route{Ep::kDevices, {V::get}, {}};
    if (s[0] == "history") return Route{Ep::kHistory, {V::get}, {}};
    if (s[0] == "events") return Route{Ep::kEvents, {V::get}, {}};
    if (s[0] == "config") return Route{Ep::kConfig, {V::get, V::put}, {}};
    if (s[0] == "control") return Route{Ep::kControl, {V::get}, {}};
    if (s[0] == "users") return Route{Ep::kUsers, {V::get, V::post}, {}};
  }
  if (n == 2 && s[0] == "serial" && !s[1].empty()) return Route{Ep::kSerial, {V::get}, s[1]};
  if (n == 2 && s[0] == "users" && !s[1].empty()) return Route{Ep::kUser, {V::delete_}, s[1]};
  if (n == 3 && s[0] == "users" && !s[1].empty() && s[2] == "password")
    return Route{Ep::kUserPassword, {V::put}, s[1]};
  if (n == 3 && s[0] == "users" && !s[1].empty() && s[2] == "role")
    return Route{Ep::kUserRole, {V::put}, s[1]};
  if (n == 3 && s[0] == "control" && s[1] == "outputs" && !s[2].empty())
    return Route{Ep::kOutput, {V::post}, s[2]};
  return std::nullopt;
}

// The role an endpoint needs (kUserPassword: the user themself or an administrator, checked in
// its handler).
Role required_role(Ep ep, http::verb) {
  switch (ep) {
    case Ep::kOutput:
      return Role::kInstaller;
    case Ep::kConfig:
    case Ep::kUsers:
    case Ep::kUser:
    case Ep::kUserRole:
      return Role::kAdministrator;
    default:
      return Role::kUser;
  }
}

}  // namespace

absl::StatusOr<absl::Time> parse_api_time(std::string_view text) {
  if (!text.empty() &&
      std::all_of(text.begin(), text.end(),
                  [](char c) { return (c >= '0' && c <= '9') || c == '-'; }) &&
      text.find('-', 1) == std::string_view::npos) {
    std::int64_t s = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), s);
    if (ec != std::errc() || p != text.data() + text.size())
      return absl::InvalidArgumentError(str_cat("http: \"", text, "\" is not epoch seconds"));
    return absl::FromUnixSeconds(s);
  }
  return parse_iso8601(text);
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  const auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hexval(text[i + 1]);
      const int lo = hexval(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// ---- the server ------------------------------------------------------------------------------

struct HttpApi::State : std::enable_shared_from_this<HttpApi::State> {
  State(asio::any_io_executor ex, ApiBackend& b, UserStore& u, HttpOptions o)
      : io(ex), acceptor(ex), backend(b), users(u), options(std::move(o)) {}

  asio::any_io_executor io;
  tcp::acceptor acceptor;
  ApiBackend& backend;
  UserStore& users;
  HttpOptions options;
  std::list<beast::tcp_stream*> connections;
  Stats stats;
  bool running = false;

  // One request being answered.
  struct Ctx {
    const Request& req;
    std::string source;  // client address
    Route route;
    Query query;
    Principal who;
    std::string bearer;  // the token when Bearer credentials were used
  };

  static asio::awaitable<void> accept_loop(std::shared_ptr<State> s);
  static asio::awaitable<void> serve(std::shared_ptr<State> s, tcp::socket socket);
  asio::awaitable<Response> handle(const Request& req, std::string source);

  Response json_response(const Request& req, http::status st, std::string body) const;
  Response error_response(const Request& req, const ApiError& e) const;
  Response unauthorized(const Request& req, std::string error, bool bad_token) const;
  Response throttled(const Request& req, http::status st, absl::Duration wait,
                     std::string error) const;
  void log(Severity sev, std::string category, std::string source, std::string message);
  std::optional<Response> save_users_or_undo(const Request& req,
                                             const std::vector<UserConfig>& before);

  asio::awaitable<std::optional<Response>> authenticate(Ctx& c);

  Response do_health(Ctx& c);
  asio::awaitable<Response> do_login(Ctx& c);
  Response do_logout(Ctx& c);
  Response do_serial(Ctx& c);
  Response do_devices(Ctx& c);
  asio::awaitable<Response> do_history(Ctx& c);
  Response do_events(Ctx& c);
  Response do_config(Ctx& c);
  Response do_control(Ctx& c);
  Response do_output(Ctx& c);
  asio::awaitable<Response> do_users(Ctx& c);
  Response do_delete_user(Ctx& c);
  asio::awaitable<Response> do_password(Ctx& c);
  Response do_role(Ctx& c);
};

Response HttpApi::State::json_response(const Request& req, http::status st,
                                       std::string body) const {
  Response res{st, req.version()};
  res.set(http::field::server, "emscore-refgateway");
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response HttpApi::State::error_response(const Request& req, const ApiError& e) const {
  json::object o;
  o["error"] = jsv(e.error);
  o["where"] = jsv(e.where);
  o["expected"] = jsv(e.expected);
  return json_response(req, e.status, json::serialize(o));
}

Response HttpApi::State::unauthorized(const Request& req, std::string error, bool bad_token) const {
  Response res = error_response(
      req,
      ApiError{http::status::unauthorized, std::move(error), "Authorization header",
               "\"Bearer <token from POST /app/api/login>\" or \"Basic <base64 user:password>\""});
  res.insert(http::field::www_authenticate,
             str_cat("Basic realm=\"", options.realm, "\", charset=\"UTF-8\""));
  res.insert(http::field::www_authenticate, str_cat("Bearer realm=\"", options.realm, "\"",
                                                    bad_token ? ", error=\"invalid_token\"" : ""));
  return res;
}

Response HttpApi::State::throttled(const Request& req, http::status st, absl::Duration wait,
                                   std::string error) const {
  const std::int64_t secs = retry_seconds(wait);
  Response res =
      error_response(req, ApiError{st, std::move(error), "credentials",
                                   str_cat("a new attempt after ", secs, " s (Retry-After)")});
  res.set(http::field::retry_after, std::to_string(secs));
  return res;
}

void HttpApi::State::log(Severity sev, std::string category, std::string source,
                         std::string message) {
  (void)backend.events().append(sev, std::move(category), std::move(source), std::move(message));
}

std::optional<Response> HttpApi::State::save_users_or_undo(const Request& req,
                                                           const std::vector<UserConfig>& before) {
  const absl::Status st = backend.save_users(users.to_config());
  if (st.ok()) return std::nullopt;
  (void)users.replace(before);
  return error_response(
      req,
      from_status(absl::InternalError(str_cat("the user list could not be saved: ", st.message())),
                  "gateway configuration file", "a writable configuration"));
}

HttpApi::HttpApi(asio::any_io_executor io, ApiBackend& backend, UserStore& users,
                 HttpOptions options)
    : state_(std::make_shared<State>(io, backend, users, std::move(options))) {}

HttpApi::~HttpApi() { stop(); }

const HttpApi::Stats& HttpApi::stats() const noexcept { return state_->stats; }

absl::Status HttpApi::listen(const std::string& address, std::uint16_t port) {
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(address, ec);
  if (ec)
    return absl::InvalidArgumentError(
        str_cat("http: bad listen address \"", address, "\", expected an IP address"));
  const tcp::endpoint ep(addr, port);
  auto& a = state_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return absl::UnavailableError(
        str_cat("http: cannot listen on ", address, ":", port, ": ", ec.message()));
  return absl::OkStatus();
}

std::uint16_t HttpApi::port() const {
  boost::system::error_code ec;
  const auto ep = state_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void HttpApi::start() {
  if (state_->running) return;
  state_->running = true;
  asio::co_spawn(state_->io, State::accept_loop(state_), asio::detached);
}

void HttpApi::stop() {
  if (!state_) return;
  state_->running = false;
  boost::system::error_code ec;
  state_->acceptor.close(ec);
  for (beast::tcp_stream* s : state_->connections) s->socket().close(ec);
}

asio::awaitable<void> HttpApi::State::accept_loop(std::shared_ptr<State> s) {
  while (s->running) {
    auto [ec, socket] = co_await s->acceptor.async_accept(kNoThrow);
    if (ec) {
      if (!s->running || ec == asio::error::operation_aborted) co_return;
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    if (s->connections.size() >= s->options.max_connections) {
      ++s->stats.rejected;
      // A short answer fits the socket buffer: written without waiting, then closed.
      static const std::string kBusy = [] {
        const std::string body = R"({"error":"too many connections","where":"connection",)"
                                 R"("expected":"a new attempt after 1 s"})";
        return str_cat(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            "Retry-After: 1\r\nConnection: close\r\nContent-Length: ",
            body.size(), "\r\n\r\n", body);
      }();
      boost::system::error_code ignored;
      socket.non_blocking(true, ignored);
      socket.write_some(asio::buffer(kBusy.data(), kBusy.size()), ignored);
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
      continue;
    }
    ++s->stats.accepted;
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(s->io, serve(s, std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> HttpApi::State::serve(std::shared_ptr<State> s, tcp::socket socket) {
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  const std::string source = ec ? std::string("unknown") : remote.address().to_string();
  beast::tcp_stream stream(std::move(socket));
  auto it = s->connections.insert(s->connections.end(), &stream);
  ++s->stats.open;
  beast::flat_buffer buffer;
  const HttpOptions& o = s->options;
  while (s->running) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(o.header_limit);
    parser.body_limit(o.body_limit);
    stream.expires_after(o.request_timeout);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, kNoThrow);
    beast::error_code rec = hec;
    if (!rec && !parser.is_done()) {
      if (iequals_prefix(to_sv(parser.get()[http::field::expect]), "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, 11};
        auto [cec, cn] = co_await http::async_write(stream, cont, kNoThrow);
        if (cec) break;
      }
      auto [bec, bn] = co_await http::async_read(stream, buffer, parser, kNoThrow);
      rec = bec;
    }
    if (rec) {
      if (rec == beast::error::timeout) {
        ++s->stats.timeouts;
        break;
      }
      if (rec.category() != http::make_error_code(http::error::bad_version).category() ||
          rec == http::error::end_of_stream || rec == http::error::partial_message)
        break;  // the peer went away (or stop() closed the socket)
      ++s->stats.bad_requests;
      ApiError e{http::status::bad_request, str_cat("malformed HTTP request: ", rec.message()),
                 "request", "HTTP/1.1"};
      if (rec == http::error::header_limit) {
        e.status = http::status::request_header_fields_too_large;
        e.error = "request headers too large";
        e.where = "request headers";
        e.expected = str_cat("at most ", o.header_limit, " bytes");
      } else if (rec == http::error::body_limit) {
        e.status = http::status::payload_too_large;
        e.error = "request body too large";
        e.where = "request body";
        e.expected = str_cat("at most ", o.body_limit, " bytes");
      }
      Request dummy{http::verb::get, "/", 11};
      Response res = s->error_response(dummy, e);
      res.keep_alive(false);
      stream.expires_after(o.write_timeout);
      co_await http::async_write(stream, res, kNoThrow);
      break;
    }
    ++s->stats.requests;
    Request req = parser.release();
    Response res = co_await s->handle(req, source);
    stream.expires_after(o.write_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, kNoThrow);
    if (wec) {
      if (wec == beast::error::timeout) ++s->stats.timeouts;
      break;
    }
    if (!res.keep_alive()) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.socket().close(ec);
  s->connections.erase(it);
  --s->stats.open;
}

asio::awaitable<Response> HttpApi::State::handle(const Request& req, std::string source) {
  const std::string_view target = to_sv(req.target());
  const std::size_t qpos = target.find('?');
  const std::string_view path = target.substr(0, qpos);
  const ApiError not_found{http::status::not_found, str_cat("no such endpoint \"", path, "\""),
                           "request path", "an endpoint under /app/api/ (see docs/refgateway.md)"};
  if (!path.starts_with(kPrefix)) co_return error_response(req, not_found);
  std::vector<std::string> segments;
  std::string_view rest = path.substr(kPrefix.size());
  while (true) {
    const std::size_t slash = rest.find('/');
    auto seg = percent_decode(rest.substr(0, slash), false);
    if (!seg)
      co_return error_response(
          req, ApiError{http::status::bad_request, "bad percent-escape in the path", "request path",
                        "%XX with two hex digits"});
    segments.push_back(std::move(*seg));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  auto route = match_route(segments);
  if (!route) co_return error_response(req, not_found);
  if (std::find(route->methods.begin(), route->methods.end(), req.method()) ==
      route->methods.end()) {
    std::string allow;
    for (http::verb v : route->methods)
      allow += str_cat(allow.empty() ? "" : ", ", to_sv(http::to_string(v)));
    Response res =
        error_response(req, ApiError{http::status::method_not_allowed,
                                     str_cat("method ", to_sv(req.method_string()), " not allowed"),
                                     "request method", allow});
    res.set(http::field::allow, allow);
    co_return res;
  }
  auto query = parse_query(qpos == std::string_view::npos ? "" : target.substr(qpos + 1));
  if (!query)
    co_return error_response(
        req, ApiError{http::status::bad_request, "bad percent-escape in the query", "query string",
                      "%XX with two hex digits"});
  Ctx c{req, std::move(source), std::move(*route), std::move(*query), {}, {}};

  if (c.route.ep == Ep::kHealth) co_return do_health(c);
  if (c.route.ep == Ep::kLogin) co_return co_await do_login(c);

  if (auto refused = co_await authenticate(c)) co_return std::move(*refused);
  // A one-time password only opens the way to its own change (and logout).
  if (c.who.must_change_password && c.route.ep != Ep::kLogout &&
      !(c.route.ep == Ep::kUserPassword && c.route.arg == c.who.user))
    co_return error_response(
        req, ApiError{http::status::forbidden, "password change required", "user " + c.who.user,
                      str_cat("PUT /app/api/users/", c.who.user, "/password first")});
  const Role need = required_role(c.route.ep, req.method());
  if (!role_allows(c.who.role, need))
    co_return error_response(req, ApiError{http::status::forbidden,
                                           str_cat("user \"", c.who.user, "\" (",
                                                   role_name(c.who.role), ") may not do this"),
                                           str_cat(to_sv(req.method_string()), " ", path),
                                           str_cat("role ", role_name(need), " or higher")});

  switch (c.route.ep) {
    case Ep::kLogout:
      co_return do_logout(c);
    case Ep::kSerial:
      co_return do_serial(c);
    case Ep::kDevices:
      co_return do_devices(c);
    case Ep::kHistory:
      co_return co_await do_history(c);
    case Ep::kEvents:
      co_return do_events(c);
    case Ep::kConfig:
      co_return do_config(c);
    case Ep::kControl:
      co_return do_control(c);
    case Ep::kOutput:
      co_return do_output(c);
    case Ep::kUsers:
      co_return co_await do_users(c);
    case Ep::kUser:
      co_return do_delete_user(c);
    case Ep::kUserPassword:
      co_return co_await do_password(c);
    case Ep::kUserRole:
      co_return do_role(c);
    default:
      break;
  }
  co_return error_response(req, not_found);
}

asio::awaitable<std::optional<Response>> HttpApi::State::authenticate(Ctx& c) {
  const std::string_view h = to_sv(c.req[http::field::authorization]);
  if (h.empty()) co_return unauthorized(c.req, "credentials required", false);
  if (iequals_prefix(h, "Bearer ")) {
    c.bearer = trim(h.substr(7));
    AuthResult r = users.check_bearer(c.bearer);
    if (r.outcome != AuthOutcome::kOk)
      co_return unauthorized(c.req, "invalid or expired token", true);
    c.who = std::move(r.principal);
    co_return std::nullopt;
  }
  if (iequals_prefix(h, "Basic ")) {
    auto decoded = base64_decode(trim(h.substr(6)));
    const std::size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos)
      co_return unauthorized(c.req, "malformed Basic credentials", false);
    std::string user = decoded->substr(0, colon);
    AuthResult r = co_await users.check_basic(user, decoded->substr(colon + 1), c.source);
    switch (r.outcome) {
      case AuthOutcome::kOk:
        c.who = std::move(r.principal);
        co_return std::nullopt;
      case AuthOutcome::kThrottled:
        co_return throttled(c.req, http::status::too_many_requests, r.retry_after,
                            "too many failed logins; throttled");
      case AuthOutcome::kBusy:
        co_return throttled(c.req, http::status::service_unavailable, r.retry_after,
                            "too many logins in progress");
      case AuthOutcome::kBadCredentials:
        break;
    }
    user = loggable(user);
    log(Severity::kWarning, "auth", user,
        str_cat("failed Basic login for \"", user, "\" from ", c.source,
                r.throttle_started
                    ? str_cat(" (throttled for ", retry_seconds(r.retry_after), " s)")
                    : std::string()));
    co_return unauthorized(c.req, "wrong user name or password", false);
  }
  co_return unauthorized(c.req, "unsupported authorization scheme", false);
}

// ---- endpoints -------------------------------------------------------------------------------

Response HttpApi::State::do_health(Ctx& c) {
  const HealthInfo h = backend.health();
  json::object o;
  o["status"] = jsv(h.status);
  if (!h.detail.empty()) o["detail"] = jsv(h.detail);
  o["version"] = jsv(h.version);
  o["uptime_s"] = absl::ToInt64Seconds(h.uptime);
  o["gateway_id"] = jsv(h.gateway_id);
  return json_response(c.req, http::status::ok, json::serialize(o));
}

asio::awaitable<Response> HttpApi::State::do_login(Ctx& c) {
  constexpr std::string_view kExample = R"({"user": "name", "password": "secret"})";
  json::object body;
  std::string user, password;
  if (auto e = body_object(c.req, kExample, body)) co_return error_response(c.req, *e);
  if (auto e = body_string(body, "user", "a string (the user name)", user))
    co_return error_response(c.req, *e);
  if (auto e = body_string(body, "password", "a string", password))
    co_return error_response(c.req, *e);
  AuthResult r = co_await users.login(user, std::move(password), c.source);
  switch (r.outcome) {
    case AuthOutcome::kOk:
      break;
    case AuthOutcome::kThrottled:
      co_return throttled(c.req, http::status::too_many_requests, r.retry_after,
                          "too many failed logins; throttled");
    case AuthOutcome::kBusy:
      co_return throttled(c.req, http::status::service_unavailable, r.retry_after,
                          "too many logins in progress");
    case AuthOutcome::kBadCredentials:
      user = loggable(user);
      log(Severity::kWarning, "auth", user,
          str_cat("failed login for \"", user, "\" from ", c.source,
                  r.throttle_started
                      ? str_cat(" (throttled for ", retry_seconds(r.retry_after), " s)")
                      : std::string()));
      co_return error_response(
          c.req, ApiError{http::status::unauthorized, "wrong user name or password", "request body",
                          "the user's name and password"});
  }
  log(Severity::kInfo, "auth", user, str_cat("login \"", user, "\" from ", c.source));
  const absl::TimeZone tz = backend.time_zone();
  json::object o;
  o["token"] = jsv(r.token);
  o["expires"] = jsv(time_text(r.expires, tz));
  o["absolute_expires"] = jsv(time_text(r.absolute_expires, tz));
  o["must_change_password"] = r.principal.must_change_password;
  o["user"] = jsv(r.principal.user);
  o["role"] = jsv(role_name(r.principal.role));
  co_return json_response(c.req, http::status::ok, json::serialize(o));
}

Response HttpApi::State::do_logout(Ctx& c) {
  if (!c.bearer.empty()) users.logout(c.bearer);
  return json_response(c.req, http::status::ok, R"({"status":"logged out"})");
}

Response HttpApi::State::do_serial(Ctx& c) {
  const std::string& file = c.route.arg;
  const std::size_t dot = file.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : file.substr(dot + 1);
  if (ext != "json" && ext != "csv")
    return error_response(c.req, ApiError{http::status::not_found,
                                          str_cat("\"", file, "\" has no .json or .csv ending"),
                                          "request path", "/app/api/serial/<serial>.json or .csv"});
  const std::string serial = file.substr(0, dot);
  const DeviceEntry* d = backend.devices().by_serial(serial);
  if (d == nullptr)
    return error_response(
        c.req,
        ApiError{http::status::not_found, str_cat("no device with serial \"", serial, "\""),
                 "request path", "the serial of a configured device (GET /app/api/devices)"});
  const absl::TimeZone tz = backend.time_zone();
  const absl::Time last = d->status.last_ok;
  const bool have = last != absl::InfinitePast();
  if (ext == "json") {
    // Values as JSON numbers with exactly the read digits (never through a double).
    std::string out = str_cat(
        "{\"serial\":", json_quote(d->config.serial), ",\"name\":", json_quote(d->config.name),
        ",\"id\":", d->config.ref.id, ",\"driver\":", json_quote(d->config.driver),
        ",\"online\":", d->status.online(), ",\"lastreadout\":");
    out += have ? std::to_string(absl::ToUnixSeconds(last)) : "null";
    out += ",\"lastreadout_time\":";
    out += have ? json_quote(time_text(last, tz)) : "null";
    out += ",\"values\":[";
    bool first = true;
    for (const LatestValue& v : d->latest) {
      out += str_cat(first ? "" : ",", "{\"register\":", v.index,
                     ",\"obis\":", json_quote(v.reading.quantity.to_string()),
                     ",\"name\":", json_quote(v.name), ",\"value\":", v.reading.value.to_string(),
                     ",\"unit\":", json_quote(unit_symbol(v.reading.value.unit)),
                     ",\"quality\":", json_quote(quality_name(v.reading.quality)),
                     ",\"time\":", json_quote(time_text(v.reading.at, tz)), "}");
      first = false;
    }
    out += "]}";
    return json_response(c.req, http::status::ok, std::move(out));
  }
  CsvFormat f;
  if (auto e = parse_csv_format(c.query, f)) return error_response(c.req, *e);
  const char sep = f.separator;
  std::string out;
  const char* header[] = {"serial", "register", "obis", "name", "value", "unit", "quality", "time"};
  for (std::size_t i = 0; i < std::size(header); ++i) {
    if (i) out.push_back(sep);
    out += header[i];
  }
  out += "\r\n";
  for (const LatestValue& v : d->latest) {
    const std::string cells[] = {d->config.serial,
                                 std::to_string(v.index),
                                 v.reading.quantity.to_string(),
                                 v.name,
                                 decimal_text(v.reading.value, f.decimal),
                                 std::string(unit_symbol(v.reading.value.unit)),
                                 std::string(quality_name(v.reading.quality)),
                                 time_text(v.reading.at, tz)};
    for (std::size_t i = 0; i < std::size(cells); ++i) {
      if (i) out.push_back(sep);
      csv_field(out, cells[i], sep);
    }
    out += "\r\n";
  }
  Response res = json_response(c.req, http::status::ok, std::move(out));
  res.set(http::field::content_type, "text/csv; charset=utf-8");
  res.prepare_payload();
  return res;
}

Response HttpApi::State::do_devices(Ctx& c) {
  const absl::TimeZone tz = backend.time_zone();
  json::array list;
  for (const DeviceEntry& d : backend.devices().devices()) {
    json::object o;
    o["name"] = jsv(d.config.name);
    o["serial"] = jsv(d.config.serial);
    o["id"] = d.config.ref.id;
    o["bus"] = jsv(d.config.bus);
    o["bus_type"] = jsv(d.bus_type);
    o["address"] = d.config.address;
    o["driver"] = jsv(d.config.driver);
    o["online"] = d.status.online();
    o["last_ok"] = time_json(d.status.last_ok, tz);
    o["last_failure"] = time_json(d.status.last_failure, tz);
    o["last_error"] = jsv(d.status.last_error);
    o["readouts"] = d.status.readouts;
    o["failures"] = d.status.failures;
    o["next_due"] = time_json(d.status.next_due, tz);
    o["values"] = d.latest.size();
    list.push_back(std::move(o));
  }
  json::object root;
  root["devices"] = std::move(list);
  return json_response(c.req, http::status::ok, json::serialize(root));
}

asio::awaitable<Response> HttpApi::State::do_history(Ctx& c) {
  const Query& q = c.query;
  const std::string* serial = q.get("serial");
  if (serial == nullptr || serial->empty())
    co_return error_response(
        c.req, ApiError{http::status::bad_request, "missing query parameter \"serial\"",
                        "query parameter serial", "a device serial"});
  const DeviceEntry* d = backend.devices().by_serial(*serial);
  if (d == nullptr)
    co_return error_response(
        c.req, ApiError{http::status::not_found, str_cat("no device with serial \"", *serial, "\""),
                        "query parameter serial",
                        "the serial of a configured device (GET /app/api/devices)"});
  const std::string* obis_text = q.get("obis");
  constexpr std::string_view kObis = "an OBIS code such as 1-0:1.8.0";
  if (obis_text == nullptr || obis_text->empty())
    co_return error_response(c.req,
                             ApiError{http::status::bad_request, "missing query parameter \"obis\"",
                                      "query parameter obis", std::string(kObis)});
  auto code = obis::ObisCode::parse(*obis_text);
  if (!code.ok())
    co_return error_response(c.req, ApiError{http::status::bad_request,
                                             str_cat("invalid query parameter \"obis\": ",
                                                     to_std(code.status().message())),
                                             "query parameter obis", std::string(kObis)});
  absl::Time from, to;
  if (auto e = time_param(q, "from", true, {}, from)) co_return error_response(c.req, *e);
  // Default `to`: the next whole second (everything stored so far, and a tidy time in the export).
  const absl::Time next_second = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) + 1);
  if (auto e = time_param(q, "to", false, next_second, to)) co_return error_response(c.req, *e);
  if (!(from < to))
    co_return error_response(c.req,
                             ApiError{http::status::bad_request, "\"from\" is not before \"to\"",
                                      "query parameters from and to", "from < to"});
  const std::string* format = q.get("format");
  const std::string fmt = format ? *format : "json";
  if (fmt != "json" && fmt != "csv")
    co_return error_response(c.req,
                             ApiError{http::status::bad_request,
                                      str_cat("invalid query parameter \"format\": \"", fmt, "\""),
                                      "query parameter format", "json or csv"});
  CsvFormat f;
  if (fmt == "csv")
    if (auto e = parse_csv_format(q, f)) co_return error_response(c.req, *e);

  HistoryRequest hr{d->config.ref, d->config.serial, *code, from, to};
  const std::string name = d->config.name;
  const std::uint32_t id = d->config.ref.id;
  // The backend answers from its worker thread; the answer is posted to the io executor and
  // wakes this coroutine through a timer (a plain, GCC-safe way to await a callback).
  using Answer = absl::StatusOr<std::vector<profile::Sample>>;
  auto answer = std::make_shared<std::optional<Answer>>();
  auto wake = std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
  backend.query_history(hr, [answer, wake, ex = io](Answer r) {
    asio::post(ex, [answer, wake, r = std::move(r)]() mutable {
      *answer = std::move(r);
      wake->cancel();
    });
  });
  while (!answer->has_value()) co_await wake->async_wait(kNoThrow);
  Answer samples = std::move(**answer);
  if (!samples.ok())
    co_return error_response(c.req,
                             from_status(samples.status(), "profile store", "readable history"));
  profile::ExportSeries series;
  series.quantity = *code;
  if (!samples->empty()) series.unit = samples->front().value.unit;
  series.samples = std::move(*samples);
  const absl::TimeZone tz = backend.time_zone();
  absl::StatusOr<std::string> body;
  if (fmt == "csv") {
    body = profile::to_csv(std::span(&series, 1),
                           profile::CsvOptions{f.decimal, f.separator, tz, true});
  } else {
    body = profile::to_json(std::span(&series, 1),
                            profile::JsonExportInfo{id, hr.serial, name, from, to, tz});
  }
  if (!body.ok())
    co_return error_response(c.req, from_status(body.status(), "stored series", "a valid series"));
  Response res = json_response(c.req, http::status::ok, std::move(*body));
  if (fmt == "csv") res.set(http::field::content_type, "text/csv; charset=utf-8");
  res.set(
      http::field::content_disposition,
      str_cat("attachment; filename=\"",
              profile::logger_export_file_name(hr.serial, name, id, absl::Now(), fmt, tz), "\""));
  res.prepare_payload();
  co_return res;
}

Response HttpApi::State::do_events(Ctx& c) {
  std::int64_t after = 0, limit = 0;
  absl::Time from, to;
  if (auto e = int_param(c.query, "after", 0, INT64_MAX, 0, after))
    return error_response(c.req, *e);
  if (auto e = int_param(c.query, "limit", 1, 1000, 100, limit)) return error_response(c.req, *e);
  if (auto e = time_param(c.query, "from", false, absl::InfinitePast(), from))
    return error_response(c.req, *e);
  if (auto e = time_param(c.query, "to", false, absl::InfiniteFuture(), to))
    return error_response(c.req, *e);
  auto entries = backend.events().query(after, from, to, static_cast<std::size_t>(limit));
  if (!entries.ok())
    return error_response(c.req, from_status(entries.status(), "event log", "a readable log"));
  const absl::TimeZone tz = backend.time_zone();
  json::array list;
  std::int64_t last = after;
  for (const LogEntry& e : *entries) {
    json::object o;
    o["id"] = e.id;
    o["time"] = jsv(time_text(e.at, tz));
    o["severity"] = jsv(severity_name(e.severity));
    o["category"] = jsv(e.category);
    o["source"] = jsv(e.source);
    o["message"] = jsv(e.message);
    list.push_back(std::move(o));
    last = std::max(last, e.id);
  }
  json::object root;
  root["events"] = std::move(list);
  root["last_id"] = last;  // pass as ?after= for the next page
  return json_response(c.req, http::status::ok, json::serialize(root));
}

Response HttpApi::State::do_config(Ctx& c) {
  if (c.req.method() == http::verb::get) {
    log(Severity::kInfo, "config", c.who.user,
        str_cat("configuration backup downloaded by \"", c.who.user, "\""));
    Response res = json_response(c.req, http::status::ok, backend.config_json());
    res.set(http::field::content_disposition, str_cat("attachment; filename=\"refgateway-config-",
                                                      backend.health().gateway_id, ".json\""));
    return res;
  }
  constexpr std::string_view kExpected =
      "a gateway configuration (GET /app/api/config gives the current one)";
  auto cfg = parse_config(c.req.body());
  if (!cfg.ok())
    return error_response(
        c.req,
        ApiError{http::status::bad_request, std::string(to_std(cfg.status().message())),
                 config_error_where(to_std(cfg.status().message())), std::string(kExpected)});
  // A configuration without users keeps the current ones; one with users needs an
  // administrator among them.
  const bool replaces_users = !cfg->users.empty();
  bool admin = false;
  for (const UserConfig& u : cfg->users) admin = admin || u.role == "administrator";
  if (replaces_users && !admin)
    return error_response(c.req, ApiError{http::status::bad_request,
                                          "the configuration has users but no administrator; "
                                          "restoring it would lock everyone out",
                                          "request body $.users",
                                          "at least one user with role administrator (or no "
                                          "users, to keep the current ones)"});
  const std::vector<UserConfig> before = users.to_config();
  if (replaces_users) {
    if (auto s = users.replace(cfg->users); !s.ok())
      return error_response(c.req, from_status(s, "request body $.users", "valid users"));
  }
  if (auto s = backend.restore_config(c.req.body(), c.who.user); !s.ok()) {
    if (replaces_users) (void)users.replace(before);
    return error_response(c.req, from_status(s, "request body", std::string(kExpected)));
  }
  log(Severity::kInfo, "config", c.who.user,
      str_cat("configuration restored by \"", c.who.user, "\" from ", c.source));
  return json_response(c.req, http::status::ok, R"({"status":"configuration restored"})");
}

Response HttpApi::State::do_control(Ctx& c) {
  return json_response(c.req, http::status::ok, json::serialize(backend.control_view()));
}

Response HttpApi::State::do_output(Ctx& c) {
  constexpr std::string_view kExample = R"({"state": "on"} or {"state": "off"})";
  json::object body;
  std::string state;
  if (auto e = body_object(c.req, kExample, body)) return error_response(c.req, *e);
  if (auto e = body_string(body, "state", "\"on\" or \"off\"", state))
    return error_response(c.req, *e);
  if (state != "on" && state != "off")
    return error_response(
        c.req, ApiError{http::status::bad_request, str_cat("invalid state \"", state, "\""),
                        "request body $.state", "\"on\" or \"off\""});
  const absl::Status s = backend.set_output(c.route.arg, state == "on", c.who.user);
  if (!s.ok())
    return error_response(c.req, from_status(s, str_cat("output ", c.route.arg),
                                             "a configured output that can be switched"));
  log(Severity::kInfo, "control", c.who.user,
      str_cat("output \"", c.route.arg, "\" switched ", state, " by \"", c.who.user, "\""));
  json::object o;
  o["output"] = jsv(c.route.arg);
  o["state"] = jsv(state);
  return json_response(c.req, http::status::ok, json::serialize(o));
}

asio::awaitable<Response> HttpApi::State::do_users(Ctx& c) {
  if (c.req.method() == http::verb::get) {
    json::array list;
    for (const UserRecord& u : users.users()) {
      json::object o;
      o["name"] = jsv(u.name);
      o["role"] = jsv(role_name(u.role));
      o["must_change_password"] = u.must_change_password;
      list.push_back(std::move(o));
    }
    json::object root;
    root["users"] = std::move(list);
    co_return json_response(c.req, http::status::ok, json::serialize(root));
  }
  constexpr std::string_view kExample =
      R"({"name": "alice", "role": "user|installer|administrator", "password": "..."})";
  json::object body;
  std::string name, role_text, password;
  if (auto e = body_object(c.req, kExample, body)) co_return error_response(c.req, *e);
  if (auto e = body_string(body, "name", "a user name (A-Z a-z 0-9 . _ - @)", name))
    co_return error_response(c.req, *e);
  if (auto e = body_string(body, "role", "user, installer or administrator", role_text))
    co_return error_response(c.req, *e);
  if (auto e = body_string(body, "password", "a password of at least 10 characters", password))
    co_return error_response(c.req, *e);
  if (auto s = check_user_name(name); !s.ok())
    co_return error_response(c.req,
                             from_status(s, "request body $.name", "A-Z a-z 0-9 . _ - @, 1-64"));
  const auto role = parse_role(role_text);
  if (!role)
    co_return error_response(
        c.req, ApiError{http::status::bad_request, str_cat("invalid role \"", role_text, "\""),
                        "request body $.role", "user, installer or administrator"});
  if (users.find(name) != nullptr)
    co_return error_response(c.req,
                             ApiError{http::status::conflict, str_cat("user \"", name, "\" exists"),
                                      "request body $.name", "a new user name"});
  if (auto s = check_password_policy(name, password); !s.ok())
    co_return error_response(c.req, from_status(s, "request body $.password",
                                                "at least 10 characters, not the user name"));
  auto hash = co_await users.hash_async(std::move(password));
  if (!hash.ok())
    co_return error_response(c.req, from_status(hash.status(), "password hashing", ""));
  const std::vector<UserConfig> before = users.to_config();
  // Checked again: another request may have added the name while the KDF ran.
  if (auto s = users.add_user(name, *role, std::move(*hash)); !s.ok())
    co_return error_response(c.req, from_status(s, "request body $.name", "a new user name"));
  if (auto err = save_users_or_undo(c.req, before)) co_return std::move(*err);
  log(Severity::kInfo, "auth", c.who.user,
      str_cat("user \"", name, "\" (", role_name(*role), ") added by \"", c.who.user, "\""));
  json::object o;
  o["name"] = jsv(name);
  o["role"] = jsv(role_name(*role));
  co_return json_response(c.req, http::status::created, json::serialize(o));
}

Response HttpApi::State::do_delete_user(Ctx& c) {
  const std::vector<UserConfig> before = users.to_config();
  if (auto s = users.remove_user(c.route.arg); !s.ok())
    return error_response(c.req, from_status(s, str_cat("user ", c.route.arg),
                                             s.code() == absl::StatusCode::kNotFound
                                                 ? "an existing user name"
                                                 : "another administrator first"));
  if (auto err = save_users_or_undo(c.req, before)) return std::move(*err);
  log(Severity::kInfo, "auth", c.who.user,
      str_cat("user \"", c.route.arg, "\" removed by \"", c.who.user, "\""));
  return json_response(c.req, http::status::ok, R"({"status":"removed"})");
}

asio::awaitable<Response> HttpApi::State::do_password(Ctx& c) {
  const std::string& name = c.route.arg;
  const bool self = name == c.who.user;
  if (!self && !role_allows(c.who.role, Role::kAdministrator))
    co_return error_response(
        c.req,
        ApiError{http::status::forbidden,
                 str_cat("user \"", c.who.user, "\" may not change the password of \"", name, "\""),
                 str_cat("PUT /app/api/users/", name, "/password"),
                 "your own user name, or role administrator"});
  if (users.find(name) == nullptr)
    co_return error_response(
        c.req, ApiError{http::status::not_found, str_cat("no user \"", name, "\""), "request path",
                        "an existing user name"});
  constexpr std::string_view kExample =
      R"json({"password": "new", "current_password": "old (when changing your own)"})json";
  json::object body;
  std::string password, current;
  if (auto e = body_object(c.req, kExample, body)) co_return error_response(c.req, *e);
  if (auto e = body_string(body, "password", "the new password (at least 10 characters)", password))
    co_return error_response(c.req, *e);
  if (auto s = check_password_policy(name, password); !s.ok())
    co_return error_response(c.req, from_status(s, "request body $.password",
                                                "at least 10 characters, not the user name"));
  if (self) {
    // Your own password needs the current one: a stolen token alone cannot take the account.
    if (auto e = body_string(body, "current_password", "your current password", current))
      co_return error_response(c.req, *e);
    AuthResult r = co_await users.verify(name, std::move(current), c.source);
    if (r.outcome == AuthOutcome::kThrottled || r.outcome == AuthOutcome::kBusy)
      co_return throttled(c.req,
                          r.outcome == AuthOutcome::kBusy ? http::status::service_unavailable
                                                          : http::status::too_many_requests,
                          r.retry_after, "too many failed attempts; throttled");
    if (r.outcome != AuthOutcome::kOk) {
      log(Severity::kWarning, "auth", name,
          str_cat("password change for \"", name, "\" from ", c.source,
                  ": wrong current password"));
      co_return error_response(
          c.req, ApiError{http::status::forbidden, "the current password is wrong",
                          "request body $.current_password", "your current password"});
    }
  }
  auto hash = co_await users.hash_async(std::move(password));
  if (!hash.ok())
    co_return error_response(c.req, from_status(hash.status(), "password hashing", ""));
  const std::vector<UserConfig> before = users.to_config();
  if (auto s = users.set_password_hash(name, std::move(*hash), self ? c.who.session : ""); !s.ok())
    co_return error_response(c.req, from_status(s, "request path", "an existing user name"));
  if (auto err = save_users_or_undo(c.req, before)) co_return std::move(*err);
  log(Severity::kInfo, "auth", c.who.user,
      str_cat("password of \"", name, "\" changed by \"", c.who.user, "\""));
  co_return json_response(c.req, http::status::ok, R"({"status":"password changed"})");
}

Response HttpApi::State::do_role(Ctx& c) {
  json::object body;
  std::string role_text;
  if (auto e = body_object(c.req, R"({"role": "installer"})", body))
    return error_response(c.req, *e);
  if (auto e = body_string(body, "role", "user, installer or administrator", role_text))
    return error_response(c.req, *e);
  const auto role = parse_role(role_text);
  if (!role)
    return error_response(
        c.req, ApiError{http::status::bad_request, str_cat("invalid role \"", role_text, "\""),
                        "request body $.role", "user, installer or administrator"});
  const std::vector<UserConfig> before = users.to_config();
  if (auto s = users.set_role(c.route.arg, *role); !s.ok())
    return error_response(c.req, from_status(s, str_cat("user ", c.route.arg),
                                             s.code() == absl::StatusCode::kNotFound
                                                 ? "an existing user name"
                                                 : "another administrator first"));
  if (auto err = save_users_or_undo(c.req, before)) return std::move(*err);
  log(Severity::kInfo, "auth", c.who.user,
      str_cat("role of \"", c.route.arg, "\" set to ", role_name(*role), " by \"", c.who.user,
              "\""));
  json::object o;
  o["name"] = jsv(c.route.arg);
  o["role"] = jsv(role_name(*role));
  return json_response(c.req, http::status::ok, json::serialize(o));
}

}  // namespace emscore::refgw
