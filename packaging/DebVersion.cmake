# The package version comes from project() plus, for development builds, the
# git revision, spelled so that dpkg orders builds correctly:
#   tag v0.1.0 on a clean HEAD     -> 0.1.0
#   N commits after tag v0.1.0     -> 0.1.0+gitN.gHASH   (after the release)
#   no tag v0.1.0 yet              -> 0.1.0~gitN.gHASH   (before it; N = commits in HEAD)
#   uncommitted changes            -> ... .dirty appended
# HASH is the same 12-digit abbreviation `tend --version` prints (cmake/Version.cmake).
function(_tend_git out)
  execute_process(COMMAND git ${ARGN} WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE value OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE rc ERROR_QUIET)
  if(rc EQUAL 0)
    set(${out} "${value}" PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

# Sets out_version to the Debian version and out_epoch to the commit time
# (SOURCE_DATE_EPOCH for the generated man pages and changelog).
function(TendDebianVersion out_version out_epoch)
  set(base ${PROJECT_VERSION})
  _tend_git(hash rev-parse --short=12 HEAD)
  if(NOT hash)  # a source tarball without git: the release version alone
    set(${out_version} ${base} PARENT_SCOPE)
    string(TIMESTAMP now "%s" UTC)
    set(${out_epoch} ${now} PARENT_SCOPE)
    return()
  endif()
  _tend_git(epoch log -1 --format=%ct HEAD)
  _tend_git(dirty status --porcelain --untracked-files=no)
  _tend_git(tag rev-parse -q --verify refs/tags/v${base})
  if(tag)
    _tend_git(count rev-list --count v${base}..HEAD)
    set(sep "+")
  else()
    _tend_git(count rev-list --count HEAD)
    set(sep "~")
  endif()
  if(tag AND count EQUAL 0)
    set(version ${base})
  else()
    set(version "${base}${sep}git${count}.g${hash}")
  endif()
  if(dirty)
    string(APPEND version ".dirty")
  endif()
  set(${out_version} ${version} PARENT_SCOPE)
  set(${out_epoch} ${epoch} PARENT_SCOPE)
endfunction()
