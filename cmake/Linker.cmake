# Links with lld (Debian package lld, scripts/setup.sh) when the toolchain accepts it: every test
# program links gRPC, protobuf and GoogleTest with full debug info, and GNU ld spends several times
# lld's CPU on each of those links (docs/benchmarks.md, "Build and CI time"). Falls back to the
# default linker where lld is missing.
include(CheckLinkerFlag)
check_linker_flag(CXX "-fuse-ld=lld" HOPTRACE_HAVE_LLD)
if(HOPTRACE_HAVE_LLD)
  add_link_options(-fuse-ld=lld)
endif()
