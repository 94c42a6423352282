# Makes the build tree (and an install) consumable with find_package(corosim CONFIG).
include(CMakePackageConfigHelpers)

set(_corosim_targets corosim_runtime corosim_runtime_sim corosim_sim_core corosim_sim_executor corosim_sim)
export(TARGETS ${_corosim_targets} NAMESPACE corosim::
       FILE "${PROJECT_BINARY_DIR}/corosimTargets.cmake")
configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/corosimConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/corosimConfig.cmake"
  INSTALL_DESTINATION lib/cmake/corosim)
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/corosimConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)

install(TARGETS ${_corosim_targets} EXPORT corosimTargets
        ARCHIVE DESTINATION lib INCLUDES DESTINATION include)
install(DIRECTORY runtime/include/corosim DESTINATION include)
install(DIRECTORY sim/include/corosim DESTINATION include)
install(EXPORT corosimTargets NAMESPACE corosim:: DESTINATION lib/cmake/corosim)
install(FILES "${PROJECT_BINARY_DIR}/corosimConfig.cmake" "${PROJECT_BINARY_DIR}/corosimConfigVersion.cmake"
        DESTINATION lib/cmake/corosim)
