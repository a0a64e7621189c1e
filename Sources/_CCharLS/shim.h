// CharLS 2.x C API (JPEG-LS), Debian libcharls-dev.
#include <charls/charls.h>
