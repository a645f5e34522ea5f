# uPlot (MIT), the charting library of the metrics-collector UI, installed by npm from
# plugins/metrics-collector/npm/package-lock.json when CMake configures and embedded into the plugin (served at
# static/vendor/uPlot.iife.min.js and static/vendor/uPlot.min.css; never loaded from a CDN).
# monlight_uplot(<var>) sets <var> to the WEB_EXTRA list for monlight_add_plugin(). `npm ci` runs only when
# node_modules is missing or older than the lock file. Without node/npm (or with MONLIGHT_UPLOT=OFF) two
# placeholder files are embedded instead and the UI shows its tables without charts.
set(MONLIGHT_UPLOT AUTO CACHE STRING
    "Embed uPlot into the metrics UI: AUTO (when npm is found; a failing npm ci only warns), ON (required), OFF")
set_property(CACHE MONLIGHT_UPLOT PROPERTY STRINGS AUTO ON OFF)

function(monlight_uplot var)
  set(dir ${PROJECT_SOURCE_DIR}/plugins/metrics-collector/npm)
  set(dist ${dir}/node_modules/uplot/dist)
  find_program(MONLIGHT_NPM npm)
  set(reason "")
  if(MONLIGHT_UPLOT STREQUAL "OFF")
    set(reason "configured with MONLIGHT_UPLOT=OFF")
  elseif(NOT MONLIGHT_NPM)
    set(reason "npm was not found when the plugin was built")
  else()
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${dir}/package-lock.json ${dir}/package.json)
    set(stamp ${dir}/node_modules/.package-lock.json)
    if(NOT EXISTS ${stamp} OR ${dir}/package-lock.json IS_NEWER_THAN ${stamp}
       OR NOT EXISTS ${dist}/uPlot.iife.min.js)
      message(STATUS "metrics-collector: npm ci (uPlot)")
      execute_process(COMMAND ${MONLIGHT_NPM} ci --no-audit --no-fund --prefer-offline
                      WORKING_DIRECTORY ${dir} RESULT_VARIABLE rc OUTPUT_QUIET)
      if(rc)
        set(reason "npm ci failed in ${dir}")
      endif()
    endif()
    if(NOT reason AND (NOT EXISTS ${dist}/uPlot.iife.min.js OR NOT EXISTS ${dist}/uPlot.min.css))
      set(reason "${dist} holds no uPlot.iife.min.js / uPlot.min.css")
    endif()
  endif()
  if(reason)
    if(MONLIGHT_UPLOT STREQUAL "ON")
      message(FATAL_ERROR "MONLIGHT_UPLOT=ON but ${reason}")
    endif()
    if(NOT MONLIGHT_UPLOT STREQUAL "OFF")
      message(WARNING "metrics-collector: ${reason}; the metrics UI is built without charts (tables only)")
    endif()
    set(dist ${CMAKE_CURRENT_BINARY_DIR}/uplot-placeholder)
    string(REPLACE "\"" "'" reason "${reason}")
    file(WRITE ${dist}/uPlot.iife.min.js "/* uPlot is not embedded: ${reason} */\n")
    file(WRITE ${dist}/uPlot.min.css "/* uPlot is not embedded: ${reason} */\n")
  endif()
  set(${var} "web/static/vendor/uPlot.iife.min.js=${dist}/uPlot.iife.min.js"
             "web/static/vendor/uPlot.min.css=${dist}/uPlot.min.css" PARENT_SCOPE)
endfunction()
