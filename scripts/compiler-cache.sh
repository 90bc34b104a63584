# Sourced by scripts/build.sh and scripts/test.sh. Sets KCBX_LAUNCHER to a
# CMake compiler launcher that runs the compiler through ccache, with the
# cache inside this checkout (.ccache), so that `pip install .` reuses the
# library objects the C++ build compiled a minute before (the same compiler,
# flags and sources) instead of compiling the library a second time. A fresh
# clone starts with an empty cache: nothing outside the checkout is reused.
# Empty when ccache is absent or KCBX_CCACHE=0.
KCBX_LAUNCHER=""
if [ "${KCBX_CCACHE:-1}" != 0 ] && command -v ccache >/dev/null 2>&1; then
  KCBX_LAUNCHER="$(command -v env);CCACHE_DIR=$PWD/.ccache;$(command -v ccache)"
fi
