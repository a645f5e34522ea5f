include(${CMAKE_CURRENT_LIST_DIR}/MonlightEmbedFiles.cmake)

# monlight_add_external_plugin(<name> [NAMESPACE <C++ namespace>] <sources...>): a drop-in plugin built against the
# installed SDK. As for the plugins of the tree, every file under sql/ and web/ next to the calling CMakeLists.txt
# is embedded (sql/ = the migrations PluginContext::openDatabase() applies, web/ = the UI the host serves) and
# declared in "EmbeddedFiles.h" as Monlight::<namespace>::embeddedFiles() (default namespace: the name made a C
# identifier).
function(monlight_add_external_plugin name)
  cmake_parse_arguments(P "" "NAMESPACE" "" ${ARGN})
  if(NOT P_NAMESPACE)
    string(MAKE_C_IDENTIFIER "${name}" P_NAMESPACE)
  endif()
  set(embedded ${CMAKE_CURRENT_BINARY_DIR}/${name}-embedded/EmbeddedFiles.cpp)
  monlight_embed_files(${embedded} ${P_NAMESPACE} ${CMAKE_CURRENT_SOURCE_DIR})
  add_library(${name} MODULE ${P_UNPARSED_ARGUMENTS} ${embedded})
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/${name}-embedded)
  target_link_libraries(${name} PRIVATE Monlight::sdk)
  set_target_properties(${name} PROPERTIES PREFIX "" OUTPUT_NAME ${name}
    CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${name} PRIVATE -Wl,--no-undefined)
endfunction()
