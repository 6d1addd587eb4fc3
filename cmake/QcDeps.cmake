# QcDeps: finds QuantCLI's dependencies with pkg-config. Required ones stop the configure with the
# apt-get line to run; optional ones switch whole modules on or off and are reported, never fatal.
find_package(PkgConfig REQUIRED)

set(QC_MODULE_REPORT "")

function(qc_require var pcname debpkg)
  pkg_check_modules(${var} QUIET IMPORTED_TARGET GLOBAL ${pcname})
  if(NOT ${var}_FOUND)
    message(FATAL_ERROR "QuantCLI needs ${pcname}: run ./bootstrap.sh as root, or: sudo apt-get install -y ${debpkg}")
  endif()
endfunction()

# qc_optional(VAR pkgconfig-name debian-package "module it enables")
function(qc_optional var pcname debpkg what)
  pkg_check_modules(${var} QUIET IMPORTED_TARGET GLOBAL ${pcname})
  if(${var}_FOUND)
    set(line "  ${what}: ON (${pcname} ${${var}_VERSION})")
  else()
    set(line "  ${what}: OFF (install ${debpkg} to enable)")
  endif()
  set(QC_MODULE_REPORT "${QC_MODULE_REPORT}${line}\n" PARENT_SCOPE)
endfunction()

qc_require(SQLITE3 sqlite3 libsqlite3-dev)
qc_require(YAML yaml-0.1 libyaml-dev)
qc_require(CJSON libcjson libcjson-dev)
qc_require(MHD libmicrohttpd libmicrohttpd-dev) # the trading engine's /metrics endpoint
# portfolio module: LAPACKE over OpenBLAS (covariance, Cholesky, solves) and GLPK (the CVaR LP,
# feasibility and attainable-return LPs). GLPK ships no .pc file: found by header and library.
qc_require(LAPACKE lapacke liblapacke-dev)
qc_require(OPENBLAS openblas libopenblas-dev)
find_path(GLPK_INCLUDE_DIR glpk.h)
find_library(GLPK_LIBRARY glpk)
if(NOT GLPK_INCLUDE_DIR OR NOT GLPK_LIBRARY)
  message(FATAL_ERROR "QuantCLI needs GLPK (glpk.h, libglpk): run ./bootstrap.sh as root, or: sudo apt-get install -y libglpk-dev")
endif()
add_library(QcGlpk INTERFACE IMPORTED GLOBAL)
set_target_properties(QcGlpk PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${GLPK_INCLUDE_DIR}"
                      INTERFACE_LINK_LIBRARIES "${GLPK_LIBRARY}")

# models module: XGBoost's C API (libxgboost 1.7). Debian's xgboost.pc points libdir at /usr/lib
# while the library sits in the multiarch directory, so the header and library are found directly.
find_path(XGBOOST_INCLUDE_DIR xgboost/c_api.h)
find_library(XGBOOST_LIBRARY xgboost)
if(NOT XGBOOST_INCLUDE_DIR OR NOT XGBOOST_LIBRARY)
  message(FATAL_ERROR "QuantCLI needs XGBoost's C API (xgboost/c_api.h, libxgboost): run ./bootstrap.sh as root, or: sudo apt-get install -y libxgboost-dev")
endif()
add_library(QcXgboost INTERFACE IMPORTED GLOBAL)
set_target_properties(QcXgboost PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${XGBOOST_INCLUDE_DIR}"
                      INTERFACE_LINK_LIBRARIES "${XGBOOST_LIBRARY}")

if(QC_TESTS)
  qc_optional(CMOCKA cmocka libcmocka-dev "unit tests")
  if(NOT CMOCKA_FOUND)
    message(WARNING "cmocka not found: tests disabled (sudo apt-get install -y libcmocka-dev)")
    set(QC_TESTS OFF CACHE BOOL "" FORCE)
  endif()
endif()

if(QC_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "QC_FUZZ needs clang: cmake -DCMAKE_C_COMPILER=clang (apt-get install clang libclang-rt-dev)")
  endif()
  set(QC_MODULE_REPORT "${QC_MODULE_REPORT}  fuzz targets: ON (clang ${CMAKE_C_COMPILER_VERSION})\n")
endif()

function(qc_print_summary)
  message(STATUS "QuantCLI modules:\n${QC_MODULE_REPORT}  core, data (SQLite store): ON")
endfunction()
