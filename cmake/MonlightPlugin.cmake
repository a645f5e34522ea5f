# monlight_add_plugin(<name>
#   PLUGIN  <file declaring MONLIGHT_PLUGIN(...)>
#   SOURCES <the plugin's other sources>            (compiled once into <name>-core, PIC)
#   TESTS   <CppUnit test sources>                  (-> <name>-testsuite, registered with ctest)
#   LIBS    <extra libraries>
#   NAMESPACE <C++ namespace, e.g. ErrorTracker>
#   WEB_EXTRA <key>=<file> ...                      (more files to embed, see monlight_embed_files))
# Every file under sql/ and web/ is embedded into the core library and returned by
#   const std::map<std::string, std::string_view>& Monlight::<NAMESPACE>::embeddedFiles();
# keyed by its path relative to the plugin folder ("sql/001_initial.sql", "web/index.html") and declared in the
# generated header "EmbeddedFiles.h". PluginContext::openDatabase() applies the sql/ files as migrations.
# The plugin is a MODULE (so no other target can link it) that links only the SDK and Poco.
include(${CMAKE_CURRENT_LIST_DIR}/MonlightEmbedFiles.cmake)

function(monlight_add_plugin name)
  cmake_parse_arguments(P "" "PLUGIN;NAMESPACE" "SOURCES;TESTS;LIBS;WEB_EXTRA" ${ARGN})
  if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${P_PLUGIN})
    message(FATAL_ERROR "plugin ${name}: ${CMAKE_CURRENT_SOURCE_DIR}/${P_PLUGIN} does not exist")
  endif()
  set(core ${name}-core)
  set(embedded ${CMAKE_CURRENT_BINARY_DIR}/embedded/EmbeddedFiles.cpp)
  monlight_embed_files(${embedded} ${P_NAMESPACE} ${CMAKE_CURRENT_SOURCE_DIR} EXTRA ${P_WEB_EXTRA})
  add_library(${core} STATIC ${P_SOURCES} ${embedded})
  target_include_directories(${core} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src ${CMAKE_CURRENT_BINARY_DIR}/embedded)
  target_link_libraries(${core} PUBLIC monlight-sdk ${P_LIBS})
  monlight_warnings(${core})

  # The generated source is compiled into the module itself too: nothing in the plugin references
  # monlightEmbeddedFiles(), so the linker would leave it out of the core archive's members.
  add_library(${name} MODULE ${P_PLUGIN} ${embedded})
  target_link_libraries(${name} PRIVATE ${core})
  set_target_properties(${name} PROPERTIES PREFIX "" OUTPUT_NAME ${name}
    LIBRARY_OUTPUT_DIRECTORY ${MONLIGHT_PLUGIN_OUTPUT_DIR}
    INSTALL_RPATH "$ORIGIN/..")
  target_link_options(${name} PRIVATE -Wl,--no-undefined)
  monlight_warnings(${name})
  install(TARGETS ${name} LIBRARY DESTINATION ${MONLIGHT_PLUGINDIR})

  if(MONLIGHT_BUILD_TESTS AND P_TESTS)
    add_executable(${name}-testsuite ${P_TESTS})
    target_link_libraries(${name}-testsuite PRIVATE ${core} monlight-testmain)
    monlight_warnings(${name}-testsuite)
    add_test(NAME ${name}-testsuite COMMAND ${name}-testsuite)
    set_tests_properties(${name}-testsuite PROPERTIES WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
endfunction()
