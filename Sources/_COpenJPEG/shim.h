// OpenJPEG 2.5 (JPEG 2000), Debian libopenjp2-7-dev; there is no pkg-config-free top-level header.
#include <openjpeg-2.5/openjpeg.h>
