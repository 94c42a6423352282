# Makes the build tree consumable with find_package(corosim CONFIG) (corosimConfig.cmake in the build directory),
# and, when COROSIM_INSTALL is on, installs the libraries, the headers, the CMake package, pkg-config files for the
# runtime (corosim-runtime.pc), the simulated platform (corosim-sim.pc) and the GLib bridge (corosim-glib.pc, when
# built), and the `corosim` program.
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

# The targets this configuration has (some need dependencies that a parent project may lack).
set(_corosim_targets corosim_runtime corosim_runtime_sim)
foreach(target corosim_glib corosim_sim_core corosim_sim_executor corosim_sim corosim_properties corosim_reports corosim_main
               corosim_gtest)
  if(TARGET ${target})
    list(APPEND _corosim_targets ${target})
  endif()
endforeach()

export(TARGETS ${_corosim_targets} NAMESPACE corosim:: FILE "${PROJECT_BINARY_DIR}/corosimTargets.cmake")
configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/corosimConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/corosimConfig.cmake"
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/corosim)
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/corosimConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)

if(NOT COROSIM_INSTALL)
  return()
endif()

# The .pc files find the prefix relative to where they are installed.
file(RELATIVE_PATH COROSIM_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" COROSIM_PC_TO_PREFIX "${COROSIM_PC_TO_PREFIX}")
set(_corosim_pc runtime sim)
if(TARGET corosim_glib)
  list(APPEND _corosim_pc glib)
endif()
foreach(name ${_corosim_pc})
  configure_file("${PROJECT_SOURCE_DIR}/cmake/corosim-${name}.pc.in" "${PROJECT_BINARY_DIR}/corosim-${name}.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/corosim-${name}.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
install(TARGETS ${_corosim_targets} EXPORT corosimTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(module runtime sim properties reports cli sim/gtest)
  if(EXISTS "${PROJECT_SOURCE_DIR}/${module}/include/corosim")
    install(DIRECTORY "${PROJECT_SOURCE_DIR}/${module}/include/corosim" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  endif()
endforeach()
if(TARGET corosim)
  install(TARGETS corosim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(EXPORT corosimTargets NAMESPACE corosim:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/corosim)
install(FILES "${PROJECT_BINARY_DIR}/corosimConfig.cmake" "${PROJECT_BINARY_DIR}/corosimConfigVersion.cmake"
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/corosim)
