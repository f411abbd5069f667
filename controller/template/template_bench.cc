// template_bench TEMPLATE VARS.json N: compiles TEMPLATE once, renders it N
// times, prints "renders/s" (bench/jinja.sh compares with Python's Jinja2).

#include <chrono>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "controller/template/template.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    fmt::print(stderr, "usage: template_bench TEMPLATE VARS.json N\n");
    return 5;
  }
  std::ifstream tf(argv[1]), vf(argv[2]);
  std::string source(std::istreambuf_iterator<char>(tf), {});
  tend::Json vars = tend::Json::parse(vf);
  int n = std::stoi(argv[3]);
  auto tmpl = tend::CompileTemplate(source, argv[1]);
  if (!tmpl) {
    fmt::print(stderr, "{}\n", tmpl.error().ToString());
    return 1;
  }
  tend::JsonScope scope(vars);
  size_t bytes = 0;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    tend::Templar templar(scope);
    auto out = templar.RenderTemplate(*tmpl);
    if (!out) {
      fmt::print(stderr, "{}\n", out.error().ToString());
      return 1;
    }
    bytes += out->size();
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("{:.0f}\n", n / secs);
  fmt::print(stderr, "tend: {} renders in {:.3f}s ({} bytes each)\n", n, secs, bytes / n);
  return 0;
}
