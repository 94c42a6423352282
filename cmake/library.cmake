# corosim_library(TARGET EXPORT_NAME SOURCES...): one of corosim's static libraries, the same way for all of them:
# the alias corosim::EXPORT_NAME (what other targets and users link), the folder's include/ public in the build tree
# and under the install prefix, C++20 required of every user (the public headers need it), warnings on.
function(corosim_library target export_name)
  add_library(${target} STATIC ${ARGN})
  add_library(corosim::${export_name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name} OUTPUT_NAME ${target})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:include>)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
endfunction()
