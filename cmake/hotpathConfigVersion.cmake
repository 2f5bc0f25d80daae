# SPDX-License-Identifier: MIT
# hotpathConfigVersion.cmake - which requested versions this hotpath
# (0.2.0) satisfies: the same major version and not older; while the
# major version is 0, the same minor version too (0.x releases may change
# the API).  Made by make from cmake/hotpathConfigVersion.cmake.in.
set(PACKAGE_VERSION "0.2.0")
set(PACKAGE_VERSION_COMPATIBLE FALSE)
set(PACKAGE_VERSION_EXACT FALSE)
if(PACKAGE_FIND_VERSION)
  if(NOT PACKAGE_VERSION VERSION_LESS PACKAGE_FIND_VERSION
     AND PACKAGE_FIND_VERSION_MAJOR STREQUAL "0"
     AND (NOT "0" STREQUAL "0" OR PACKAGE_FIND_VERSION_MINOR STREQUAL "2"))
    set(PACKAGE_VERSION_COMPATIBLE TRUE)
  endif()
  if(PACKAGE_FIND_VERSION VERSION_EQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
else()
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
endif()
