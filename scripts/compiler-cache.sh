# Sourced by scripts/build.sh and scripts/test.sh. Sets KCBX_LAUNCHER to a
# CMake compiler launcher that runs the compiler through ccache, with the
# cache inside this checkout (.ccache, scripts/ccache-launch). What it saves
# is compiling the library again for the same compiler, flags and sources:
# `pip install .` and the add_subdirectory consumer test reuse the objects
# ./build compiled a minute before. A fresh clone starts with an empty cache:
# nothing outside the checkout is reused. Empty when ccache is absent or
# KCBX_CCACHE=0.
KCBX_LAUNCHER=""
if [ "${KCBX_CCACHE:-1}" != 0 ] && command -v ccache >/dev/null 2>&1; then
  KCBX_LAUNCHER="$PWD/scripts/ccache-launch"
fi
