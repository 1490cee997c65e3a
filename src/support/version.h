/*
 * version.h - the version dkimkeys --version prints, defined once here.
 */
#ifndef DKIMKEYS_VERSION_H
#define DKIMKEYS_VERSION_H

#define DKIMKEYS_VERSION "0.9.0"

#endif
