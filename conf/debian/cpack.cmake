# The Debian package (scripts/package.sh): CPack's DEB generator over the project's install rules
# plus what this file adds: manual pages generated from each command's --help (target
# `manpages`), the sample configuration as the conffile /etc/postjournal/postjournal.yaml, the
# systemd units, the maintainer scripts in this folder (user, directories, permissions), and the
# copyright and changelog files lintian expects.
set(PJ_DEBIAN_DIR ${CMAKE_CURRENT_LIST_DIR})
set(PJ_MAN_DIR ${CMAKE_BINARY_DIR}/man)

set(PJ_MAN_PAGES)
foreach(entry "postjournal:1" "postjournal-milter:8" "postjournal-fetch:8" "postjournal-extract:8"
       "postjournal-web:8")
  string(REPLACE ":" ";" parts ${entry})
  list(GET parts 0 target)
  list(GET parts 1 section)
  set(page ${PJ_MAN_DIR}/${target}.${section}.gz)
  add_custom_command(OUTPUT ${page}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PJ_MAN_DIR}
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/man-from-help.sh $<TARGET_FILE:${target}> ${section} ${page}
    DEPENDS ${target} ${PROJECT_SOURCE_DIR}/scripts/man-from-help.sh
    COMMENT "manual page ${target}(${section})" VERBATIM)
  list(APPEND PJ_MAN_PAGES ${page})
  install(FILES ${page} DESTINATION share/man/man${section} OPTIONAL)
endforeach()
add_custom_target(manpages DEPENDS ${PJ_MAN_PAGES})

set(PJ_DOC_DIR ${CMAKE_BINARY_DIR}/debian-doc)
add_custom_command(OUTPUT ${PJ_DOC_DIR}/changelog.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PJ_DOC_DIR}
  COMMAND sh -c "gzip -9n < \"$1\" > \"$2\"" sh ${PJ_DEBIAN_DIR}/changelog
          ${PJ_DOC_DIR}/changelog.gz
  DEPENDS ${PJ_DEBIAN_DIR}/changelog VERBATIM)
add_custom_target(debian-doc DEPENDS ${PJ_DOC_DIR}/changelog.gz)
add_dependencies(manpages debian-doc)
install(FILES ${PJ_DOC_DIR}/changelog.gz ${PJ_DEBIAN_DIR}/copyright
        DESTINATION share/doc/postjournal OPTIONAL)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/postjournal)
install(FILES ${PROJECT_SOURCE_DIR}/conf/postjournal.yaml.sample
        DESTINATION /etc/postjournal RENAME postjournal.yaml)  # 0640 root:postjournal by postinst
install(FILES ${PROJECT_SOURCE_DIR}/conf/systemd/postjournal-milter.service
              ${PROJECT_SOURCE_DIR}/conf/systemd/postjournal-fetch.service
              ${PROJECT_SOURCE_DIR}/conf/systemd/postjournal-purge.service
              ${PROJECT_SOURCE_DIR}/conf/systemd/postjournal-purge.timer
              ${PROJECT_SOURCE_DIR}/conf/systemd/postjournal-web.service
        DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/conf/apache/postjournal.conf
              ${PROJECT_SOURCE_DIR}/conf/apache/postjournal-openidc.conf
        DESTINATION share/postjournal/apache)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/scripts/postfix-setup.sh
                 ${PROJECT_SOURCE_DIR}/scripts/verify-evidence.sh
        DESTINATION share/postjournal)

# Maintainer scripts must be 0755 in the package: copy them with that mode.
file(COPY ${PJ_DEBIAN_DIR}/postinst ${PJ_DEBIAN_DIR}/prerm ${PJ_DEBIAN_DIR}/postrm
     DESTINATION ${CMAKE_BINARY_DIR}/debian-control
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                      WORLD_READ WORLD_EXECUTE)
file(COPY ${PJ_DEBIAN_DIR}/conffiles DESTINATION ${CMAKE_BINARY_DIR}/debian-control
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME postjournal)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The maintainer address is a placeholder until the project has a public address.
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "postjournal developers <maintainers@postjournal.example.net>")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# bubblewrap: the sandbox of the attachment extractors (index.extract_sandbox); the programs
# they run for DOC/XLS/PPT, RTF and TNEF are recommended (without them those parts are marked
# extract_failed:program-failed, nothing else changes).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, bubblewrap")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "postfix, antiword, catdoc, unrtf, tnef")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "multi-tenant email journaling archive for Postfix")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "postjournal turns a Postfix relay into an email journaling archive for
Microsoft 365, Exchange, Google Workspace, Zimbra and Amazon WorkMail.
A milter decides which tenant each SMTP transaction belongs to, reads the
journal envelope (sender, every recipient including BCC) and commits the
message to that tenant's LMDB archive before Postfix answers 250.
postjournal-fetch pulls journal mailboxes over IMAP and POP3. A full-text
index per tenant (Xapian) covers bodies and attachments (PDF, office
documents, archives) extracted in a sandbox.")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_BINARY_DIR}/debian-control/postinst ${CMAKE_BINARY_DIR}/debian-control/prerm
  ${CMAKE_BINARY_DIR}/debian-control/postrm ${CMAKE_BINARY_DIR}/debian-control/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
