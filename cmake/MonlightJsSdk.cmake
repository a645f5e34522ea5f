# The browser SDK bundle (clients/js, SPEC §8) embedded into the browser relay, which serves it at
# /sdk/monlight.min.js. monlight_js_sdk(<target>) adds the generated embedded/SdkBundle.cpp (defining
# Monlight::BrowserRelay::sdkBundle()) to <target>. At build time, when node and npm are found, it runs
# `npm ci` in clients/js (only when node_modules is missing or older than package-lock.json) and bundles with
# clients/js/scripts/build.mjs into <binary dir>/sdk. Without node/npm (or with MONLIGHT_JS_SDK=OFF) the bundle
# is empty and the relay answers 404 with the reason.
set(MONLIGHT_JS_SDK AUTO CACHE STRING
    "Embed the browser SDK (clients/js) into the relay: AUTO (when node and npm are found; a failing npm step only warns), ON (required), OFF")
set_property(CACHE MONLIGHT_JS_SDK PROPERTY STRINGS AUTO ON OFF)

function(monlight_js_sdk target)
  set(js ${PROJECT_SOURCE_DIR}/clients/js)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/embedded/SdkBundle.cpp)
  set(script ${PROJECT_SOURCE_DIR}/cmake/MonlightEmbedSdk.cmake)
  find_program(MONLIGHT_NODE node)
  find_program(MONLIGHT_NPM npm)
  set(reason "")
  if(MONLIGHT_JS_SDK STREQUAL "OFF")
    set(reason "configured with MONLIGHT_JS_SDK=OFF")
  elseif(NOT EXISTS ${js}/package.json)
    set(reason "clients/js is missing")
  elseif(NOT MONLIGHT_NODE OR NOT MONLIGHT_NPM)
    set(reason "node or npm was not found when the relay was built")
    if(MONLIGHT_JS_SDK STREQUAL "ON")
      message(FATAL_ERROR "MONLIGHT_JS_SDK=ON but ${reason}")
    endif()
    message(STATUS "browser-relay: ${reason}; /sdk/monlight.min.js will answer 404")
  endif()
  if(reason)
    execute_process(COMMAND ${CMAKE_COMMAND} -DOUT=${out} "-DREASON=${reason}" -P ${script}
                    RESULT_VARIABLE rc)
    if(rc)
      message(FATAL_ERROR "cannot write ${out}")
    endif()
  else()
    file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${js}/src/*.ts)
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DJS_DIR=${js} -DDIST=${CMAKE_CURRENT_BINARY_DIR}/sdk
              -DNODE=${MONLIGHT_NODE} -DNPM=${MONLIGHT_NPM} -DREQUIRED=${MONLIGHT_JS_SDK} -P ${script}
      DEPENDS ${sources} ${js}/package.json ${js}/package-lock.json ${js}/tsconfig.json ${js}/scripts/build.mjs ${script}
      COMMENT "Bundling the browser SDK (clients/js) for the relay"
      VERBATIM)
  endif()
  target_sources(${target} PRIVATE ${out})
endfunction()
