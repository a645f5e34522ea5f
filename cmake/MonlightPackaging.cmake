# The Debian package (CPack's DEB generator): `cpack --config build/CPackConfig.cmake -B dist` (scripts/release.sh,
# tests/release). One package, monlight_<version>-1_<arch>.deb, holding everything `cmake --install` installs (the
# host, the plugins, the TLS module, the SDK headers and CMake package, the example config) under /usr, plus the
# system files below (component "system", EXCLUDE_FROM_ALL, so a plain `cmake --install build --prefix ~/x` never
# writes to /etc or the systemd directory): the systemd unit and /etc/monlight/monlight.properties (a conffile).
# Maintainer scripts (packaging/debian): postinst creates the system user `monlight`, /var/lib/monlight and
# /etc/monlight/secrets.env with random keys; removing the package leaves the data (and, unless purged, the secrets).
# Runtime dependencies: dpkg-shlibdeps on the binaries (libpoco*80, libsqlite3-0, libssl3, libstdc++6, libc6),
# plus adduser and init-system-helpers (deb-systemd-helper/-invoke) for the maintainer scripts.
# Debian documentation, generated at configure time into <build>/packaging (re-generated when CHANGELOG.md, LICENSE
# or the man page change): /usr/share/doc/monlight/copyright (machine-readable, the LICENSE text), changelog.gz
# (CHANGELOG.md), changelog.Debian.gz and the man page monlight-host(8). Maintainer: DEBFULLNAME and DEBEMAIL from
# the environment at configure time, else the git identity of the checkout (user.name, user.email).

set(MONLIGHT_DEB_DIR ${PROJECT_SOURCE_DIR}/packaging/debian)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/monlight.service DESTINATION lib/systemd/system
  COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${MONLIGHT_DEB_DIR}/monlight.properties DESTINATION /etc/monlight
  COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/README.md
  ${PROJECT_SOURCE_DIR}/deploy/secrets.env.example ${PROJECT_SOURCE_DIR}/deploy/nginx.conf.example
  DESTINATION share/doc/monlight COMPONENT system EXCLUDE_FROM_ALL)

# Maintainer (also the changelog.Debian trailer)
set(monlight_maintainer "Monlight maintainers <maintainers@monlight.invalid>")
if(DEFINED ENV{DEBFULLNAME} AND DEFINED ENV{DEBEMAIL} AND NOT "$ENV{DEBFULLNAME}" STREQUAL "" AND
   NOT "$ENV{DEBEMAIL}" STREQUAL "")
  set(monlight_maintainer "$ENV{DEBFULLNAME} <$ENV{DEBEMAIL}>")
else()
  execute_process(COMMAND git config user.name WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    OUTPUT_VARIABLE git_name OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE git_rc1)
  execute_process(COMMAND git config user.email WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    OUTPUT_VARIABLE git_email OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE git_rc2)
  if(git_rc1 EQUAL 0 AND git_rc2 EQUAL 0 AND NOT git_name STREQUAL "" AND NOT git_email STREQUAL "")
    set(monlight_maintainer "${git_name} <${git_email}>")
  endif()
endif()

set(monlight_pkgdoc ${CMAKE_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${monlight_pkgdoc})
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/LICENSE
  ${PROJECT_SOURCE_DIR}/CHANGELOG.md)
# copyright (https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/): the license body of LICENSE
file(READ ${PROJECT_SOURCE_DIR}/LICENSE license_text)
string(FIND "${license_text}" "Permission is hereby granted" license_start)
if(license_start LESS 0)
  message(FATAL_ERROR "LICENSE: no MIT permission text")
endif()
string(SUBSTRING "${license_text}" ${license_start} -1 license_body)
string(STRIP "${license_body}" license_body)
string(REPLACE "\n\n" "\n.\n" license_body "${license_body}")
string(REPLACE "\n" "\n " license_body "${license_body}")
file(WRITE ${monlight_pkgdoc}/copyright
"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Monlight
Upstream-Contact: ${monlight_maintainer}
Source: https://github.com/monlight/monlight

Files: *
Copyright: 2026 Monlight contributors
License: Expat

License: Expat
 ${license_body}
")
# changelog.gz (upstream) and changelog.Debian.gz, gzip -9n (no name or time stamp: reproducible)
execute_process(COMMAND gzip -9nc INPUT_FILE ${PROJECT_SOURCE_DIR}/CHANGELOG.md
  OUTPUT_FILE ${monlight_pkgdoc}/changelog.gz RESULT_VARIABLE gz_rc)
execute_process(COMMAND git log -1 --format=%cd "--date=format:%a, %d %b %Y %H:%M:%S %z" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  OUTPUT_VARIABLE changelog_date OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(changelog_date STREQUAL "")
  string(TIMESTAMP changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
endif()
file(WRITE ${monlight_pkgdoc}/changelog.Debian
"monlight (${PROJECT_VERSION}-1) unstable; urgency=medium

  * Monlight ${PROJECT_VERSION}, packaged with CPack from the upstream tree; the upstream changes are in
    /usr/share/doc/monlight/changelog.gz.

 -- ${monlight_maintainer}  ${changelog_date}
")
execute_process(COMMAND gzip -9nf ${monlight_pkgdoc}/changelog.Debian RESULT_VARIABLE gz_rc2)
configure_file(${MONLIGHT_DEB_DIR}/monlight-host.8.in ${monlight_pkgdoc}/monlight-host.8 @ONLY)
execute_process(COMMAND gzip -9nf ${monlight_pkgdoc}/monlight-host.8 RESULT_VARIABLE gz_rc3)
if(NOT gz_rc EQUAL 0 OR NOT gz_rc2 EQUAL 0 OR NOT gz_rc3 EQUAL 0)
  message(FATAL_ERROR "gzip of the Debian documentation failed")
endif()
install(FILES ${monlight_pkgdoc}/copyright ${monlight_pkgdoc}/changelog.gz ${monlight_pkgdoc}/changelog.Debian.gz
  DESTINATION share/doc/monlight COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${monlight_pkgdoc}/monlight-host.8.gz DESTINATION share/man/man8 COMPONENT system EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME monlight)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Monlight")
set(CPACK_PACKAGE_CONTACT "${monlight_maintainer}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${monlight_maintainer}")
# Debian's limits: a synopsis under 80 characters, description lines of at most 80 (CPack indents each line)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "self-hosted monitoring: error tracker, log viewer, metrics, browser relay")
set(CPACK_PACKAGE_DESCRIPTION "One C++ process (Poco, SQLite) with plugins: an error tracker, a log viewer for
Docker logs, a metrics collector and a relay for browser telemetry.

Includes the systemd unit, the plugin SDK headers and its CMake package
(find_package(MonlightSDK)).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# all components (the default install and "system") in one package
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL Unspecified system)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_NAME monlight)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/monlight/monlight")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libmonlight-sdk.so.1 is the package's own (private, /usr/lib/monlight): no dependency for it
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_BINARY_DIR}/${MONLIGHT_LIBDIR})
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, init-system-helpers (>= 1.54~)")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates, libcap2-bin")
# libpq5: host.storage = postgresql (the SDK loads libpq.so.5 only then, so shlibdeps does not see it)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "sqlite3, nginx | caddy, libpq5")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${MONLIGHT_DEB_DIR}/conffiles ${MONLIGHT_DEB_DIR}/postinst ${MONLIGHT_DEB_DIR}/prerm ${MONLIGHT_DEB_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
