# The Debian package (CPack's DEB generator): `cpack --config build/CPackConfig.cmake -B dist` (scripts/release.sh,
# tests/release). One package, monlight_<version>-1_<arch>.deb, holding everything `cmake --install` installs (the
# host, the plugins, the TLS module, the SDK headers and CMake package, the example config) under /usr, plus the
# system files below (component "system", EXCLUDE_FROM_ALL, so a plain `cmake --install build --prefix ~/x` never
# writes to /etc or the systemd directory): the systemd unit and /etc/monlight/monlight.properties (a conffile).
# Maintainer scripts (packaging/debian): postinst creates the system user `monlight`, /var/lib/monlight and
# /etc/monlight/secrets.env with random keys; removing the package leaves the data (and, unless purged, the secrets).
# Runtime dependencies: dpkg-shlibdeps on the binaries (libpoco*80, libsqlite3-0, libssl3, libstdc++6, libc6),
# plus adduser for postinst.

set(MONLIGHT_DEB_DIR ${PROJECT_SOURCE_DIR}/packaging/debian)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/monlight.service DESTINATION lib/systemd/system
  COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${MONLIGHT_DEB_DIR}/monlight.properties DESTINATION /etc/monlight
  COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md
  ${PROJECT_SOURCE_DIR}/deploy/secrets.env.example ${PROJECT_SOURCE_DIR}/deploy/nginx.conf.example
  DESTINATION share/doc/monlight COMPONENT system EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME monlight)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Monlight")
set(CPACK_PACKAGE_CONTACT "Monlight maintainers <maintainers@monlight.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Self-hosted monitoring host: error tracker, log viewer, metrics collector, browser relay")
set(CPACK_PACKAGE_DESCRIPTION
  "One C++ process (Poco, SQLite) with plugins: an error tracker, a log viewer for Docker logs, a metrics collector and a relay for browser telemetry. Includes the systemd unit, the plugin SDK headers and its CMake package (find_package(MonlightSDK)).")
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
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates, libcap2-bin")
# libpq5: host.storage = postgresql (the SDK loads libpq.so.5 only then, so shlibdeps does not see it)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "sqlite3, nginx | caddy, libpq5")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${MONLIGHT_DEB_DIR}/conffiles ${MONLIGHT_DEB_DIR}/postinst ${MONLIGHT_DEB_DIR}/prerm ${MONLIGHT_DEB_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
