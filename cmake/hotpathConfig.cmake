# SPDX-License-Identifier: MIT
# hotpathConfig.cmake - find_package(hotpath CONFIG) for CMake projects:
#   hotpath::hotpath  libhotpath, its headers and the threads it needs
#   hotpath::alloc    libhotpath-alloc (per-function allocations), which
#                     brings hotpath::hotpath and HOTPATH_ALLOC
# Profiling stays the consumer's choice, as with pkg-config: add HOTPATH,
#   target_compile_definitions(prog PRIVATE HOTPATH)
# Made by make from cmake/hotpathConfig.cmake.in with the paths of the
# installation (/usr/local).
cmake_minimum_required(VERSION 3.5)
include(CMakeFindDependencyMacro)
find_dependency(Threads)

set(hotpath_VERSION "0.2.0")
set(hotpath_INCLUDE_DIRS "/usr/local/include")
set(_hotpath_libdir "/usr/local/lib")

if(NOT TARGET hotpath::hotpath)
  if(NOT EXISTS "${_hotpath_libdir}/libhotpath.so.0")
    set(hotpath_FOUND FALSE)
    set(hotpath_NOT_FOUND_MESSAGE
        "${_hotpath_libdir}/libhotpath.so.0 is missing (hotpath built without shared libraries?)")
    return()
  endif()
  add_library(hotpath::hotpath SHARED IMPORTED)
  set_target_properties(hotpath::hotpath PROPERTIES
    IMPORTED_LOCATION "${_hotpath_libdir}/libhotpath.so.0"
    IMPORTED_SONAME "libhotpath.so.0"
    INTERFACE_INCLUDE_DIRECTORIES "${hotpath_INCLUDE_DIRS}"
    INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()

if(NOT TARGET hotpath::alloc AND EXISTS "${_hotpath_libdir}/libhotpath-alloc.so.0")
  add_library(hotpath::alloc SHARED IMPORTED)
  set_target_properties(hotpath::alloc PROPERTIES
    IMPORTED_LOCATION "${_hotpath_libdir}/libhotpath-alloc.so.0"
    IMPORTED_SONAME "libhotpath-alloc.so.0"
    INTERFACE_COMPILE_DEFINITIONS HOTPATH_ALLOC
    INTERFACE_LINK_LIBRARIES hotpath::hotpath)
endif()
unset(_hotpath_libdir)
