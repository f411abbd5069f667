// Lexer and parser: template source -> compiled tree (jinja.h's Node).
// Whitespace control follows Jinja2's lexer: `-` strips, `+` keeps,
// trim_blocks eats the newline after a block or comment tag, lstrip_blocks the
// indentation before one.

#include <fmt/format.h>

#include "controller/template/jinja.h"
#include "core/suggest.h"
#include "core/utf8.h"

namespace tend::jinja {
namespace {

enum class Tok : uint8_t {
  kText, kVarBegin, kVarEnd, kBlockBegin, kBlockEnd, kName, kString, kInt, kFloat, kOp, kEof
};

struct Token {
  Tok type;
  std::string value;     // names, operators, decoded strings, numbers' text
  std::string_view text;  // kText: slice of the source
  int line;
  int column;
};

struct SyntaxError {
  std::string message;
  int line;
  int column;
};

const char* TokName(Tok t) {
  switch (t) {
    case Tok::kVarEnd: return "end of print statement";
    case Tok::kBlockEnd: return "end of statement block";
    case Tok::kEof: return "end of template";
    case Tok::kName: return "name";
    case Tok::kString: return "string";
    case Tok::kInt: return "integer";
    case Tok::kFloat: return "float";
    default: return "token";
  }
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

class Lexer {
 public:
  Lexer(std::string_view src, const ParseOptions& o) : src_(src), opt_(o) {}

  std::vector<Token> Run() {
    size_t pos = 0;
    bool strip_next = false;
    while (true) {
      size_t start = FindTagStart(pos);
      std::string_view text = src_.substr(pos, (start == std::string_view::npos ? src_.size() : start) - pos);
      if (strip_next) {
        size_t k = 0;
        while (k < text.size() && IsSpace(text[k])) ++k;
        pos += k;
        text.remove_prefix(k);
      }
      if (start == std::string_view::npos) {
        Emit(text, pos);
        break;
      }
      char kind = KindAt(start);
      size_t open = Opener(kind).size();
      char mod = start + open < src_.size() ? src_[start + open] : 0;
      if (mod == '-') {
        while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
      } else if (mod != '+' && opt_.ws.lstrip_blocks && kind != '{') {
        size_t nl = text.rfind('\n');
        size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
        bool line_start = l_pos > 0 || pos == 0 || src_[pos - 1] == '\n';
        bool blank = true;
        for (size_t k = l_pos; k < text.size(); ++k)
          if (text[k] != ' ' && text[k] != '\t') blank = false;
        if (line_start && blank) text = text.substr(0, l_pos);
      }
      Emit(text, pos);
      size_t after = start + open + (mod == '-' || mod == '+');
      bool keep_newline = false;
      if (kind == '#') {
        size_t end = src_.find(opt_.ws.comment_end, after);
        if (end == std::string_view::npos) {
          auto [l, c] = LineCol(start);
          throw SyntaxError{"Missing end of comment tag", l, c};
        }
        strip_next = src_[end - 1] == '-' && end - 1 >= after;
        keep_newline = src_[end - 1] == '+';
        pos = end + opt_.ws.comment_end.size();
      } else {
        Tok begin = kind == '{' ? Tok::kVarBegin : Tok::kBlockBegin;
        Push(begin, kind == '{' ? "{{" : "{%", start);
        size_t tag_start = tokens_.size();
        pos = LexTag(after, kind == '{', &strip_next, &keep_newline);
        if (begin == Tok::kBlockBegin && tokens_.size() == tag_start + 2 &&
            tokens_[tag_start].value == "raw") {
          pos = LexRaw(pos, &strip_next, &keep_newline);
          continue;
        }
        if (kind == '{') {
          continue;
        }
      }
      if (!strip_next && !keep_newline && opt_.ws.trim_blocks) {
        if (pos < src_.size() && src_[pos] == '\n') ++pos;
        else if (pos + 1 < src_.size() && src_[pos] == '\r' && src_[pos + 1] == '\n') pos += 2;
      }
    }
    Push(Tok::kEof, "", src_.size());
    return std::move(tokens_);
  }

  std::pair<int, int> LineCol(size_t offset) const {
    int line = 1, col = 1;
    for (size_t i = 0; i < offset && i < src_.size(); ++i) {
      if (src_[i] == '\n') line++, col = 1;
      else col++;
    }
    return {line, col};
  }

 private:
  // The opening delimiter of each kind of tag: '{' a print, '%' a block,
  // '#' a comment (Jinja2's {{, {%, {# unless the options name others).
  const std::string& Opener(char kind) const {
    return kind == '{' ? opt_.ws.variable_start : kind == '%' ? opt_.ws.block_start : opt_.ws.comment_start;
  }

  // Which tag opens at `pos`; the longest opener wins, as in Jinja2.
  char KindAt(size_t pos) const {
    char best = 0;
    size_t best_size = 0;
    for (char kind : {'{', '%', '#'}) {
      const std::string& open = Opener(kind);
      if (open.size() > best_size && src_.compare(pos, open.size(), open) == 0) {
        best = kind;
        best_size = open.size();
      }
    }
    return best;
  }

  size_t FindTagStart(size_t pos) const {
    const std::string firsts = {opt_.ws.variable_start[0], opt_.ws.block_start[0],
                                opt_.ws.comment_start[0]};
    for (; (pos = src_.find_first_of(firsts, pos)) != std::string_view::npos; ++pos) {
      if (KindAt(pos) != 0) return pos;
    }
    return std::string_view::npos;
  }

  void Emit(std::string_view text, size_t offset) {
    if (text.empty()) return;
    Token t{Tok::kText, {}, text, 0, 0};
    std::tie(t.line, t.column) = LineColFast(offset);
    tokens_.push_back(std::move(t));
  }

  std::pair<int, int> LineColFast(size_t offset) {
    // Tokens come in order, so advance a cursor instead of rescanning.
    for (; cursor_ < offset && cursor_ < src_.size(); ++cursor_) {
      if (src_[cursor_] == '\n') cur_line_++, cur_col_ = 1;
      else cur_col_++;
    }
    return {cur_line_, cur_col_};
  }

  void Push(Tok type, std::string value, size_t offset) {
    Token t{type, std::move(value), {}, 0, 0};
    std::tie(t.line, t.column) = LineColFast(offset);
    tokens_.push_back(std::move(t));
  }

  // Lexes the inside of a tag up to its closing delimiter; returns the offset after it.
  size_t LexTag(size_t pos, bool print, bool* strip_next, bool* keep_newline) {
    const std::string& close = print ? opt_.ws.variable_end : opt_.ws.block_end;
    int depth = 0;
    *strip_next = false;
    *keep_newline = false;
    while (true) {
      // Jinja2 skips `\s+` between tokens, which in Python includes Unicode spaces
      // such as the no-break space an editor slips into an expression.
      while (size_t n = PythonSpaceLength(src_, pos)) pos += n;
      if (pos >= src_.size()) {
        auto [l, c] = LineCol(pos);
        throw SyntaxError{print ? "unexpected end of template, expected 'end of print statement'."
                                       : "unexpected end of template, expected 'end of statement block'.",
                          l, c};
      }
      char c = src_[pos];
      if (depth == 0) {
        size_t p = pos;
        char m = 0;
        if ((c == '-' || c == '+') && src_.compare(p + 1, close.size(), close) == 0) {
          m = c;
          ++p;
        }
        if (src_.compare(p, close.size(), close) == 0) {
          Push(print ? Tok::kVarEnd : Tok::kBlockEnd, "", pos);
          *strip_next = m == '-';
          *keep_newline = m == '+';
          return p + close.size();
        }
      }
      if (isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t e = pos;
        while (e < src_.size() && (isalnum(static_cast<unsigned char>(src_[e])) || src_[e] == '_')) ++e;
        Push(Tok::kName, std::string(src_.substr(pos, e - pos)), pos);
        pos = e;
      } else if (isdigit(static_cast<unsigned char>(c))) {
        pos = LexNumber(pos);
      } else if (c == '\'' || c == '"') {
        pos = LexString(pos);
      } else {
        static const char* kOps[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%",
                                     "~", "<", ">", "=", ".", ",", ":", "|", "(", ")", "[", "]",
                                     "{", "}", ";"};
        const char* found = nullptr;
        for (const char* op : kOps) {
          if (src_.substr(pos, strlen(op)) == op) {
            found = op;
            break;
          }
        }
        if (!found) {
          auto [l, col] = LineCol(pos);
          throw SyntaxError{fmt::format("unexpected char '{}' at {}", c, pos), l, col};
        }
        if (*found == '(' || *found == '[' || *found == '{') depth++;
        if ((*found == ')' || *found == ']' || *found == '}') && depth > 0) depth--;
        Push(Tok::kOp, found, pos);
        pos += strlen(found);
      }
    }
  }

  size_t LexNumber(size_t pos) {
    size_t e = pos;
    auto digits = [&] {
      while (e < src_.size() && (isdigit(static_cast<unsigned char>(src_[e])) || src_[e] == '_')) ++e;
    };
    digits();
    bool is_float = false;
    if (e + 1 < src_.size() && src_[e] == '.' && isdigit(static_cast<unsigned char>(src_[e + 1]))) {
      is_float = true;
      ++e;
      digits();
    }
    if (e < src_.size() && (src_[e] == 'e' || src_[e] == 'E')) {
      size_t k = e + 1;
      if (k < src_.size() && (src_[k] == '+' || src_[k] == '-')) ++k;
      if (k < src_.size() && isdigit(static_cast<unsigned char>(src_[k]))) {
        is_float = true;
        e = k;
        digits();
      }
    }
    std::string text(src_.substr(pos, e - pos));
    text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
    Push(is_float ? Tok::kFloat : Tok::kInt, text, pos);
    return e;
  }

  size_t LexString(size_t pos) {
    char q = src_[pos];
    std::string out;
    size_t i = pos + 1;
    for (; i < src_.size() && src_[i] != q; ++i) {
      char c = src_[i];
      if (c != '\\' || i + 1 >= src_.size()) {
        out += c;
        continue;
      }
      char n = src_[++i];
      if (opt_.literal_backslashes) {
        out += '\\';
        out += n;
        continue;
      }
      switch (n) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case '0': out += '\0'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case '\n': break;
        case 'x':
        case 'u':
        case 'U': {
          int len = n == 'x' ? 2 : n == 'u' ? 4 : 8;
          uint32_t cp = std::stoul(std::string(src_.substr(i + 1, len)), nullptr, 16);
          i += len;
          AppendUtf8(out, cp);
          break;
        }
        default: out += '\\'; out += n;
      }
    }
    if (i >= src_.size()) {
      auto [l, c] = LineCol(pos);
      throw SyntaxError{"unexpected end of template, expected end of string", l, c};
    }
    Push(Tok::kString, std::move(out), pos);
    return i + 1;
  }

  // After `{% raw %}`: everything up to `{% endraw %}` is text.
  size_t LexRaw(size_t pos, bool* strip_next, bool* keep_newline) {
    tokens_.resize(tokens_.size() - 3);  // drop {% raw %}
    size_t search = pos;
    while (true) {
      size_t b = src_.find(opt_.ws.block_start, search);
      if (b == std::string_view::npos) {
        auto [l, c] = LineCol(pos);
        throw SyntaxError{"Missing end of raw directive", l, c};
      }
      size_t k = b + opt_.ws.block_start.size();
      char mod = k < src_.size() ? src_[k] : 0;
      if (mod == '-' || mod == '+') ++k;
      while (k < src_.size() && IsSpace(src_[k])) ++k;
      if (src_.substr(k, 6) == "endraw") {
        k += 6;
        while (k < src_.size() && IsSpace(src_[k])) ++k;
        char endmod = 0;
        if (k < src_.size() && (src_[k] == '-' || src_[k] == '+')) endmod = src_[k++];
        if (src_.compare(k, opt_.ws.block_end.size(), opt_.ws.block_end) == 0) {
          std::string_view text = src_.substr(pos, b - pos);
          if (*strip_next) {
            size_t s = 0;
            while (s < text.size() && IsSpace(text[s])) ++s;
            pos += s;
            text.remove_prefix(s);
          }
          if (mod == '-')
            while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
          Emit(text, pos);
          *strip_next = endmod == '-';
          *keep_newline = endmod == '+';
          size_t after = k + opt_.ws.block_end.size();
          if (!*strip_next && !*keep_newline && opt_.ws.trim_blocks && after < src_.size() &&
              src_[after] == '\n')
            ++after;
          return after;
        }
      }
      search = b + opt_.ws.block_start.size();
    }
  }

  std::string_view src_;
  const ParseOptions& opt_;
  std::vector<Token> tokens_;
  size_t cursor_ = 0;
  int cur_line_ = 1;
  int cur_col_ = 1;
};

using NodePtr = std::unique_ptr<Node>;

NodePtr MakeNode(Op op, const Token& at) {
  auto n = std::make_unique<Node>();
  n->op = op;
  n->line = at.line;
  n->column = at.column;
  return n;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  NodePtr ParseTemplate() {
    auto body = ParseBody({});
    return body;
  }

  NodePtr ParseExpressionOnly() {
    auto e = ParseExpression();
    if (Cur().type != Tok::kEof) Unexpected(Cur(), "end of expression");
    return e;
  }

  std::vector<std::pair<std::string, int>> block_stack_;

 private:
  const Token& Cur() const { return t_[i_]; }
  const Token& Peek(size_t k = 1) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  const Token& Next() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }
  bool IsOp(const char* op) const { return Cur().type == Tok::kOp && Cur().value == op; }
  bool IsName(const char* name) const { return Cur().type == Tok::kName && Cur().value == name; }
  bool SkipOp(const char* op) {
    if (!IsOp(op)) return false;
    ++i_;
    return true;
  }
  bool SkipName(const char* name) {
    if (!IsName(name)) return false;
    ++i_;
    return true;
  }

  [[noreturn]] void Fail(const Token& at, std::string message) {
    throw SyntaxError{std::move(message), at.line, at.column};
  }

  static std::string Describe(const Token& t) {
    if (t.type == Tok::kOp || t.type == Tok::kName) return t.value;
    if (t.type == Tok::kString) return "string";
    if (t.type == Tok::kInt) return "integer";
    if (t.type == Tok::kFloat) return "float";
    return TokName(t.type);
  }

  [[noreturn]] void Unexpected(const Token& t, const std::string& expected) {
    if (t.type == Tok::kEof) Fail(t, "unexpected end of template, expected " + expected + ".");
    Fail(t, fmt::format("expected token '{}', got '{}'", expected, Describe(t)));
  }

  void ExpectOp(const char* op) {
    if (!SkipOp(op)) Unexpected(Cur(), op);
  }
  void ExpectBlockEnd() {
    if (Cur().type != Tok::kBlockEnd) Unexpected(Cur(), "end of statement block");
    ++i_;
  }
  std::string ExpectName() {
    if (Cur().type != Tok::kName) Unexpected(Cur(), "name");
    return Next().value;
  }

  // Parses statements until a block tag whose name is in `ends`; leaves the
  // parser on that name token.
  NodePtr ParseBody(const std::vector<std::string_view>& ends) {
    auto body = MakeNode(Op::kBody, Cur());
    while (true) {
      const Token& tok = Cur();
      switch (tok.type) {
        case Tok::kText: {
          auto n = MakeNode(Op::kText, tok);
          n->text = tok.text;
          body->kids.push_back(std::move(n));
          ++i_;
          break;
        }
        case Tok::kVarBegin: {
          ++i_;
          auto n = MakeNode(Op::kOutput, Cur());
          n->kids.push_back(ParseTuple(false));
          if (Cur().type != Tok::kVarEnd) Unexpected(Cur(), "end of print statement");
          ++i_;
          body->kids.push_back(std::move(n));
          break;
        }
        case Tok::kBlockBegin: {
          const Token& name = Peek();
          if (name.type != Tok::kName) {
            i_++;
            Fail(name, "tag name expected");
          }
          for (auto e : ends) {
            if (name.value == e) {
              ++i_;
              return body;
            }
          }
          ++i_;
          body->kids.push_back(ParseStatement(ends));
          break;
        }
        case Tok::kEof: {
          if (!ends.empty()) {
            std::string want;
            for (size_t k = 0; k < ends.size(); ++k)
              want += (k ? " or '" : "'") + std::string(ends[k]) + "'";
            Fail(tok, fmt::format("Unexpected end of template. Jinja was looking for the following "
                                  "tags: {}. The innermost block that needs to be closed is '{}'.",
                                  want, block_stack_.back().first));
          }
          return body;
        }
        default:
          Unexpected(tok, "statement");
      }
    }
  }

  NodePtr ParseStatement(const std::vector<std::string_view>& outer_ends) {
    const Token& tok = Cur();
    const std::string& kw = tok.value;
    ++i_;
    if (kw == "if") return ParseIf(tok);
    if (kw == "for") return ParseFor(tok);
    if (kw == "set") return ParseSet(tok);
    if (kw == "macro") return ParseMacro(tok);
    if (kw == "call") return ParseCallBlock(tok);
    if (kw == "include") return ParseInclude(tok);
    if (kw == "filter") return ParseFilterBlock(tok);
    if (kw == "with") return ParseWith(tok);
    if (kw == "block") {
      auto n = MakeNode(Op::kWith, tok);
      ExpectName();
      ExpectBlockEnd();
      n->kids.push_back(Subbody(tok, "block", {"endblock"}));
      if (Cur().type == Tok::kName) ++i_;
      ExpectBlockEnd();
      return n;
    }
    std::string message = fmt::format("Encountered unknown tag '{}'.", kw);
    if (!outer_ends.empty() && !block_stack_.empty()) {
      std::string want;
      for (size_t k = 0; k < outer_ends.size(); ++k)
        want += (k ? " or '" : "'") + std::string(outer_ends[k]) + "'";
      message += fmt::format(" Jinja was looking for the following tags: {}. The innermost block "
                             "that needs to be closed is '{}'.",
                             want, block_stack_.back().first);
    } else {
      static const std::vector<std::string> kTags = {"if", "for", "set", "macro", "call",
                                                     "include", "filter", "with", "raw", "block",
                                                     "endif", "endfor", "else", "elif"};
      message += SuggestionSuffix(kw, kTags);
    }
    Fail(tok, message);
  }

  // The body text a `{% filter %}` or `{% set x | f %}` block feeds its filters.
  NodePtr FilterInput(const Token& at) {
    auto n = MakeNode(Op::kName, at);
    n->name = kFilterInputName;
    return n;
  }

  // A body with a single closing tag, consumed here (the `%}` is left).
  NodePtr SubbodyEnd(const Token& at, const char* what, const char* end) {
    auto b = Subbody(at, what, {end});
    ++i_;
    return b;
  }

  NodePtr Subbody(const Token& at, const char* what, const std::vector<std::string_view>& ends) {
    block_stack_.push_back({what, at.line});
    auto b = ParseBody(ends);
    block_stack_.pop_back();
    return b;
  }

  NodePtr ParseIf(const Token& at) {
    auto n = MakeNode(Op::kIf, at);
    n->kids.push_back(ParseTuple(false));
    ExpectBlockEnd();
    n->kids.push_back(Subbody(at, "if", {"elif", "else", "endif"}));
    while (true) {
      std::string kw = Next().value;
      if (kw == "elif") {
        n->kids.push_back(ParseTuple(false));
        ExpectBlockEnd();
        n->kids.push_back(Subbody(at, "if", {"elif", "else", "endif"}));
      } else if (kw == "else") {
        ExpectBlockEnd();
        n->kids.push_back(Subbody(at, "if", {"endif"}));
      } else {
        ExpectBlockEnd();
        return n;
      }
    }
  }

  // kids: [iter, body, else-body or null, filter or null]; names: targets.
  NodePtr ParseFor(const Token& at) {
    auto n = MakeNode(Op::kFor, at);
    do {
      bool paren = SkipOp("(");
      do n->names.push_back(ExpectName());
      while (SkipOp(","));
      if (paren) ExpectOp(")");
    } while (SkipOp(","));
    if (!SkipName("in")) Unexpected(Cur(), "in");
    n->kids.push_back(ParseTuple(false, true));
    NodePtr filter;
    if (SkipName("if")) filter = ParseExpression();
    if (SkipName("recursive")) n->negated = true;
    ExpectBlockEnd();
    n->kids.push_back(Subbody(at, "for", {"endfor", "else"}));
    if (Next().value == "else") {
      ExpectBlockEnd();
      n->kids.push_back(Subbody(at, "for", {"endfor"}));
      ++i_;
    } else {
      n->kids.push_back(nullptr);
    }
    ExpectBlockEnd();
    n->kids.push_back(std::move(filter));
    return n;
  }

  NodePtr ParseSet(const Token& at) {
    std::vector<std::string> targets;
    do {
      std::string name = ExpectName();
      if (SkipOp(".")) name += "." + ExpectName();
      targets.push_back(name);
    } while (SkipOp(","));
    if (SkipOp("=")) {
      auto n = MakeNode(Op::kSet, at);
      n->names = std::move(targets);
      n->kids.push_back(ParseTuple(false));
      ExpectBlockEnd();
      return n;
    }
    auto n = MakeNode(Op::kSetBlock, at);
    n->names = std::move(targets);
    NodePtr filter;
    if (IsOp("|")) filter = ParseFilterChain(FilterInput(Cur()));
    ExpectBlockEnd();
    n->kids.push_back(SubbodyEnd(at, "set", "endset"));
    ExpectBlockEnd();
    n->kids.push_back(std::move(filter));
    return n;
  }

  std::shared_ptr<MacroDef> ParseSignature(Node& n) {
    auto def = std::make_shared<MacroDef>();
    ExpectOp("(");
    while (!SkipOp(")")) {
      if (!def->params.empty()) ExpectOp(",");
      if (SkipOp(")")) break;
      def->params.push_back(ExpectName());
      if (SkipOp("=")) {
        n.kids.push_back(ParseExpression());
        def->defaults.push_back(n.kids.back().get());
      } else {
        def->defaults.push_back(nullptr);
      }
    }
    return def;
  }

  NodePtr ParseMacro(const Token& at) {
    auto n = MakeNode(Op::kMacro, at);
    n->name = ExpectName();
    n->macro = ParseSignature(*n);
    n->macro->name = n->name;
    ExpectBlockEnd();
    n->kids.push_back(SubbodyEnd(at, "macro", "endmacro"));
    n->macro->body = n->kids.back().get();
    ExpectBlockEnd();
    return n;
  }

  NodePtr ParseCallBlock(const Token& at) {
    auto n = MakeNode(Op::kCallBlock, at);
    if (IsOp("(")) n->macro = ParseSignature(*n);
    else n->macro = std::make_shared<MacroDef>();
    n->macro->name = "caller";
    auto call = ParseExpression();
    if (call->op != Op::kCall) Fail(at, "expected call");
    n->kids.insert(n->kids.begin(), std::move(call));
    ExpectBlockEnd();
    n->kids.push_back(SubbodyEnd(at, "call", "endcall"));
    n->macro->body = n->kids.back().get();
    ExpectBlockEnd();
    return n;
  }

  NodePtr ParseInclude(const Token& at) {
    auto n = MakeNode(Op::kInclude, at);
    n->kids.push_back(ParseExpression());
    if (IsName("ignore") && Peek().value == "missing") {
      i_ += 2;
      n->negated = true;
    }
    if ((IsName("with") || IsName("without")) && Peek().value == "context") i_ += 2;
    ExpectBlockEnd();
    return n;
  }

  NodePtr ParseFilterBlock(const Token& at) {
    auto n = MakeNode(Op::kFilterBlock, at);
    NodePtr chain = FilterInput(Cur());
    do chain = ParseOneFilter(std::move(chain));
    while (SkipOp("|"));
    ExpectBlockEnd();
    n->kids.push_back(std::move(chain));
    n->kids.push_back(SubbodyEnd(at, "filter", "endfilter"));
    ExpectBlockEnd();
    return n;
  }

  NodePtr ParseWith(const Token& at) {
    auto n = MakeNode(Op::kWith, at);
    auto assigns = MakeNode(Op::kBody, at);
    while (Cur().type != Tok::kBlockEnd) {
      if (!assigns->kids.empty()) ExpectOp(",");
      auto set = MakeNode(Op::kSet, Cur());
      set->names.push_back(ExpectName());
      ExpectOp("=");
      set->kids.push_back(ParseExpression());
      assigns->kids.push_back(std::move(set));
    }
    ExpectBlockEnd();
    auto body = SubbodyEnd(at, "with", "endwith");
    ExpectBlockEnd();
    for (auto& k : body->kids) assigns->kids.push_back(std::move(k));
    n->kids.push_back(std::move(assigns));
    return n;
  }

  // Expressions, by precedence as in Jinja2's parser.
  NodePtr ParseTuple(bool simplified, bool for_iter = false) {
    const Token& at = Cur();
    auto first = simplified ? ParsePrimary() : ParseExpression(!for_iter);
    if (!IsOp(",")) return first;
    auto tuple = MakeNode(Op::kTuple, at);
    tuple->kids.push_back(std::move(first));
    while (SkipOp(",")) {
      if (Cur().type == Tok::kVarEnd || Cur().type == Tok::kBlockEnd || IsName("if")) break;
      tuple->kids.push_back(ParseExpression(!for_iter));
    }
    return tuple;
  }

  NodePtr ParseExpression(bool with_condexpr = true) {
    auto expr1 = ParseOr();
    if (!with_condexpr) return expr1;
    while (IsName("if")) {
      const Token& at = Next();
      auto n = MakeNode(Op::kCondExpr, at);
      auto cond = ParseOr();
      NodePtr otherwise;
      if (SkipName("else")) otherwise = ParseExpression();
      n->kids.push_back(std::move(cond));
      n->kids.push_back(std::move(expr1));
      n->kids.push_back(std::move(otherwise));
      expr1 = std::move(n);
    }
    return expr1;
  }

  NodePtr Binary(Op op, const Token& at, NodePtr l, NodePtr r) {
    auto n = MakeNode(op, at);
    n->kids.push_back(std::move(l));
    n->kids.push_back(std::move(r));
    return n;
  }

  NodePtr ParseOr() {
    auto l = ParseAnd();
    while (IsName("or")) {
      const Token& at = Next();
      l = Binary(Op::kOr, at, std::move(l), ParseAnd());
    }
    return l;
  }
  NodePtr ParseAnd() {
    auto l = ParseNot();
    while (IsName("and")) {
      const Token& at = Next();
      l = Binary(Op::kAnd, at, std::move(l), ParseNot());
    }
    return l;
  }
  NodePtr ParseNot() {
    if (IsName("not")) {
      auto n = MakeNode(Op::kNot, Next());
      n->kids.push_back(ParseNot());
      return n;
    }
    return ParseCompare();
  }
  NodePtr ParseCompare() {
    const Token& at = Cur();
    auto first = ParseMath1();
    NodePtr cmp;
    while (true) {
      std::string op;
      if (Cur().type == Tok::kOp && (Cur().value == "==" || Cur().value == "!=" || Cur().value == "<" ||
                                     Cur().value == "<=" || Cur().value == ">" || Cur().value == ">=")) {
        op = Next().value;
      } else if (SkipName("in")) {
        op = "in";
      } else if (IsName("not") && Peek().type == Tok::kName && Peek().value == "in") {
        i_ += 2;
        op = "notin";
      } else {
        break;
      }
      if (!cmp) {
        cmp = MakeNode(Op::kCompare, at);
        cmp->kids.push_back(std::move(first));
      }
      cmp->names.push_back(op);
      cmp->kids.push_back(ParseMath1());
    }
    return cmp ? std::move(cmp) : std::move(first);
  }
  NodePtr ParseMath1() {
    auto l = ParseConcat();
    while (IsOp("+") || IsOp("-")) {
      const Token& at = Next();
      l = Binary(at.value == "+" ? Op::kAdd : Op::kSub, at, std::move(l), ParseConcat());
    }
    return l;
  }
  NodePtr ParseConcat() {
    auto l = ParseMath2();
    while (IsOp("~")) {
      const Token& at = Next();
      l = Binary(Op::kConcat, at, std::move(l), ParseMath2());
    }
    return l;
  }
  NodePtr ParseMath2() {
    auto l = ParsePow();
    while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%")) {
      const Token& at = Next();
      Op op = at.value == "*" ? Op::kMul : at.value == "/" ? Op::kDiv : at.value == "//" ? Op::kFloorDiv : Op::kMod;
      l = Binary(op, at, std::move(l), ParsePow());
    }
    return l;
  }
  NodePtr ParsePow() {
    auto l = ParseUnary();
    while (IsOp("**")) {
      const Token& at = Next();
      l = Binary(Op::kPow, at, std::move(l), ParseUnary());
    }
    return l;
  }
  NodePtr ParseUnary(bool with_filter = true) {
    NodePtr node;
    if (IsOp("-") || IsOp("+")) {
      const Token& at = Next();
      node = MakeNode(at.value == "-" ? Op::kNeg : Op::kPos, at);
      node->kids.push_back(ParseUnary(false));
    } else {
      node = ParsePrimary();
    }
    node = ParsePostfix(std::move(node));
    if (with_filter) node = ParseFilterExpr(std::move(node));
    return node;
  }

  NodePtr ParsePrimary() {
    const Token& tok = Cur();
    switch (tok.type) {
      case Tok::kName: {
        ++i_;
        const std::string& v = tok.value;
        if (v == "true" || v == "True") return Literal(tok, true);
        if (v == "false" || v == "False") return Literal(tok, false);
        if (v == "none" || v == "None") return Literal(tok, nullptr);
        auto n = MakeNode(Op::kName, tok);
        n->name = v;
        return n;
      }
      case Tok::kString: {
        std::string s;
        while (Cur().type == Tok::kString) s += Next().value;
        return Literal(tok, Json(std::move(s)));
      }
      case Tok::kInt:
        ++i_;
        try {
          return Literal(tok, Json(std::stoll(tok.value)));
        } catch (const std::out_of_range&) {
          return Literal(tok, Json(std::stod(tok.value)));
        }
      case Tok::kFloat:
        ++i_;
        return Literal(tok, Json(std::stod(tok.value)));
      case Tok::kOp:
        if (tok.value == "(") {
          ++i_;
          if (SkipOp(")")) return MakeNode(Op::kTuple, tok);
          auto e = ParseExpression();
          if (IsOp(",")) {
            auto tuple = MakeNode(Op::kTuple, tok);
            tuple->kids.push_back(std::move(e));
            while (SkipOp(",")) {
              if (IsOp(")")) break;
              tuple->kids.push_back(ParseExpression());
            }
            e = std::move(tuple);
          }
          ExpectOp(")");
          return e;
        }
        if (tok.value == "[") {
          ++i_;
          auto list = MakeNode(Op::kList, tok);
          while (!SkipOp("]")) {
            if (!list->kids.empty()) ExpectOp(",");
            if (SkipOp("]")) break;
            list->kids.push_back(ParseExpression());
          }
          return list;
        }
        if (tok.value == "{") {
          ++i_;
          auto dict = MakeNode(Op::kDict, tok);
          while (!SkipOp("}")) {
            if (!dict->kids.empty()) ExpectOp(",");
            if (SkipOp("}")) break;
            dict->kids.push_back(ParseExpression());
            ExpectOp(":");
            dict->kids.push_back(ParseExpression());
          }
          return dict;
        }
        [[fallthrough]];
      default:
        if (tok.type == Tok::kEof || tok.type == Tok::kVarEnd || tok.type == Tok::kBlockEnd)
          Fail(tok, fmt::format("unexpected {}", tok.type == Tok::kEof ? "end of template"
                                                 : tok.type == Tok::kVarEnd ? "'}}'" : "'%}'"));
        Fail(tok, fmt::format("unexpected '{}'", tok.value));
    }
  }

  NodePtr Literal(const Token& at, Json v) {
    auto n = MakeNode(Op::kLiteral, at);
    n->literal = std::move(v);
    return n;
  }

  NodePtr ParsePostfix(NodePtr node) {
    while (true) {
      if (IsOp(".")) {
        const Token& at = Next();
        if (Cur().type == Tok::kName) {
          auto n = MakeNode(Op::kGetAttr, at);
          n->name = Next().value;
          n->kids.push_back(std::move(node));
          node = std::move(n);
        } else if (Cur().type == Tok::kInt) {
          auto n = MakeNode(Op::kGetItem, at);
          n->kids.push_back(std::move(node));
          n->kids.push_back(Literal(Cur(), Json(std::stoll(Next().value))));
          node = std::move(n);
        } else {
          Unexpected(Cur(), "name");
        }
      } else if (IsOp("[")) {
        const Token& at = Next();
        node = ParseSubscript(at, std::move(node));
      } else if (IsOp("(")) {
        node = ParseCall(std::move(node));
      } else {
        return node;
      }
    }
  }

  NodePtr ParseSubscript(const Token& at, NodePtr obj) {
    NodePtr parts[3];
    bool slice = false;
    int part = 0;
    while (!IsOp("]")) {
      if (IsOp(":")) {
        ++i_;
        slice = true;
        if (++part > 2) Fail(Cur(), "invalid slice");
        continue;
      }
      parts[part] = ParseExpression();
      if (!slice && IsOp(",")) {
        auto tuple = MakeNode(Op::kTuple, at);
        tuple->kids.push_back(std::move(parts[0]));
        while (SkipOp(",")) tuple->kids.push_back(ParseExpression());
        parts[0] = std::move(tuple);
      }
    }
    ++i_;
    auto n = MakeNode(slice ? Op::kSlice : Op::kGetItem, at);
    n->kids.push_back(std::move(obj));
    if (slice) {
      for (auto& p : parts) n->kids.push_back(std::move(p));
    } else {
      if (!parts[0]) Fail(at, "expected subscript expression");
      n->kids.push_back(std::move(parts[0]));
    }
    return n;
  }

  static bool HasName(const Node& n, std::string_view name) {
    return std::find(n.names.begin(), n.names.end(), name) != n.names.end();
  }

  // Arguments into n->kids (after any already there) and n->names for named ones.
  void ParseArgs(Node& n) {
    ExpectOp("(");
    bool any = false;
    while (!SkipOp(")")) {
      if (any) ExpectOp(",");
      if (SkipOp(")")) break;
      any = true;
      if (IsOp("*") || IsOp("**")) {
        // `*list` and `**dict` sit among the named arguments under the names
        // "*" and "**" (never identifiers); the renderer spreads them.
        bool dict = IsOp("**");
        if (HasName(n, "**") || (!dict && HasName(n, "*")))
          Fail(Cur(), "invalid syntax for function call expression");
        n.names.push_back(Next().value);
        n.kids.push_back(ParseExpression());
      } else if (Cur().type == Tok::kName && Peek().type == Tok::kOp && Peek().value == "=") {
        if (HasName(n, "**")) Fail(Cur(), "invalid syntax for function call expression");
        n.names.push_back(Next().value);
        ++i_;
        n.kids.push_back(ParseExpression());
      } else {
        if (!n.names.empty()) Fail(Cur(), "positional argument follows keyword argument");
        n.kids.push_back(ParseExpression());
        n.n_positional++;
      }
    }
  }

  NodePtr ParseCall(NodePtr callee) {
    auto n = MakeNode(Op::kCall, Cur());
    n->kids.push_back(std::move(callee));
    ParseArgs(*n);
    return n;
  }

  NodePtr ParseFilterExpr(NodePtr node) {
    while (true) {
      if (IsOp("|")) {
        node = ParseFilterChain(std::move(node));
      } else if (IsName("is")) {
        node = ParseTest(std::move(node));
      } else if (IsOp("(")) {
        node = ParseCall(std::move(node));
      } else {
        return node;
      }
    }
  }

  NodePtr ParseFilterChain(NodePtr node) {
    while (SkipOp("|")) node = ParseOneFilter(std::move(node));
    return node;
  }

  NodePtr ParseOneFilter(NodePtr node) {
    const Token& at = Cur();
    std::string name = ExpectName();
    while (SkipOp(".")) name += "." + ExpectName();
    auto n = MakeNode(Op::kFilter, at);
    std::string shortname = ShortName(name);
    n->name = shortname;
    n->filter = FindFilter(shortname);
    if (!n->filter) {
      std::vector<std::string> names;
      for (const auto& f : Filters()) names.emplace_back(f.name);
      Fail(at, fmt::format("No filter named '{}'.{}", name, Suggestion(shortname, names)));
    }
    n->kids.push_back(std::move(node));
    if (IsOp("(")) ParseArgs(*n);
    return n;
  }

  static std::string Suggestion(const std::string& name, const std::vector<std::string>& names) {
    std::string s = Suggest(name, names);
    return s.empty() ? "" : " Did you mean '" + s + "'?";
  }

  // ansible.builtin.to_json and ansible.netcommon.ipaddr name our filters too.
  static std::string ShortName(const std::string& name) {
    size_t dot = name.rfind('.');
    return dot == std::string::npos ? name : name.substr(dot + 1);
  }

  NodePtr ParseTest(NodePtr node) {
    const Token& at = Next();  // 'is'
    auto n = MakeNode(Op::kTest, at);
    n->negated = SkipName("not");
    const Token& name_tok = Cur();
    std::string name = ExpectName();
    while (SkipOp(".")) name += "." + ExpectName();
    name = ShortName(name);
    // `is none`, `is true`, `is false` arrive as names, not literals.
    n->name = name;
    n->test = FindTest(name);
    if (!n->test) {
      std::vector<std::string> names;
      for (const auto& t : Tests()) names.emplace_back(t.name);
      Fail(name_tok, fmt::format("No test named '{}'.{}", name, Suggestion(name, names)));
    }
    n->kids.push_back(std::move(node));
    if (IsOp("(")) {
      ParseArgs(*n);
    } else if ((Cur().type == Tok::kName || Cur().type == Tok::kString || Cur().type == Tok::kInt ||
                Cur().type == Tok::kFloat || IsOp("[") || IsOp("{") || IsOp("(") || IsOp("-")) &&
               !(IsName("else") || IsName("or") || IsName("and") || IsName("if") || IsName("not") ||
                 IsName("in") || IsName("is"))) {
      auto arg = ParseUnary(false);
      n->kids.push_back(std::move(arg));
      n->n_positional = 1;
    }
    return n;
  }

  std::vector<Token> t_;
  size_t i_ = 0;
};

bool IsSingleExpressionSource(const std::vector<Token>& toks) {
  if (toks.size() < 3 || toks[0].type != Tok::kVarBegin) return false;
  size_t ends = 0;
  for (size_t k = 1; k < toks.size(); ++k) {
    if (toks[k].type == Tok::kVarBegin || toks[k].type == Tok::kBlockBegin || toks[k].type == Tok::kText)
      return false;
    if (toks[k].type == Tok::kVarEnd) ends++;
  }
  return ends == 1;
}

// "#jinja2: trim_blocks: False, lstrip_blocks: True" on the first line.
std::string_view ApplyHeader(std::string_view source, TemplateOptions& ws, size_t* skipped) {
  constexpr std::string_view kHeader = "#jinja2:";
  *skipped = 0;
  if (!ws.allow_header || source.substr(0, kHeader.size()) != kHeader) return source;
  size_t eol = source.find('\n');
  std::string_view line = source.substr(kHeader.size(), eol == std::string_view::npos ? eol : eol - kHeader.size());
  while (!line.empty()) {
    size_t comma = line.find(',');
    std::string_view pair = line.substr(0, comma);
    line = comma == std::string_view::npos ? std::string_view() : line.substr(comma + 1);
    size_t colon = pair.find(':');
    if (colon == std::string_view::npos) continue;
    auto trim = [](std::string_view s) {
      while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
      while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
      return s;
    };
    std::string_view key = trim(pair.substr(0, colon)), val = trim(pair.substr(colon + 1));
    bool on = val == "True" || val == "true" || val == "1";
    if (key == "trim_blocks") ws.trim_blocks = on;
    else if (key == "lstrip_blocks") ws.lstrip_blocks = on;
    else if (key == "keep_trailing_newline") ws.keep_trailing_newline = on;
  }
  *skipped = eol == std::string_view::npos ? source.size() : eol + 1;
  return source.substr(*skipped);
}

}  // namespace

Expected<std::shared_ptr<Program>> Parse(std::string_view source, std::string name,
                                         const ParseOptions& options) {
  auto program = std::make_shared<Program>();
  program->name = std::move(name);
  ParseOptions opt = options;
  size_t skipped = 0;
  std::string_view body = options.expression_only ? source : ApplyHeader(source, opt.ws, &skipped);
  program->source = std::string(body);
  if (!opt.ws.keep_trailing_newline && !options.expression_only && !program->source.empty() &&
      program->source.back() == '\n') {
    program->source.pop_back();
    if (!program->source.empty() && program->source.back() == '\r') program->source.pop_back();
  }
  program->multi_line = source.find('\n') != std::string_view::npos;
  int line_offset = skipped ? 1 : 0;
  try {
    std::vector<Token> tokens;
    if (options.expression_only) {
      std::string wrapped = "{{" + program->source + "}}";
      // Lex as a print tag, then drop the delimiters (columns shift by two).
      Lexer lexer(wrapped, opt);
      tokens = lexer.Run();
      for (auto& t : tokens) t.column -= 2;
      if (tokens.size() >= 3 && tokens[0].type == Tok::kVarBegin) {
        tokens.erase(tokens.begin());
        for (size_t k = 0; k < tokens.size(); ++k)
          if (tokens[k].type == Tok::kVarEnd) {
            tokens[k].type = Tok::kEof;
            tokens.resize(k + 1);
            break;
          }
      }
      for (auto& t : tokens)
        if (t.type == Tok::kText || t.type == Tok::kVarBegin || t.type == Tok::kBlockBegin)
          throw SyntaxError{"unexpected '" + std::string(t.type == Tok::kText ? t.text : "{{") + "'", t.line, t.column};
      Parser parser(std::move(tokens));
      program->root = parser.ParseExpressionOnly();
      program->single_expression = true;
    } else {
      Lexer lexer(program->source, opt);
      tokens = lexer.Run();
      program->single_expression = IsSingleExpressionSource(tokens) && !body.empty() && body.back() != '\n';
      Parser parser(std::move(tokens));
      program->root = parser.ParseTemplate();
    }
  } catch (const SyntaxError& e) {
    int line = e.line + line_offset;
    int column = std::max(e.column, 1);
    return Fail(e.message, Location{program->name, line, column},
                CaretSnippet(options.expression_only ? source : std::string_view(source), line, column));
  } catch (const std::exception& e) {
    return Fail(e.what(), Location{program->name, 1, 1});
  }
  return program;
}

}  // namespace tend::jinja
