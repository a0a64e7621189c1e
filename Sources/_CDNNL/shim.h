// oneDNN 2.x C API (Debian libdnnl-dev; no pkg-config) and the two OpenMP calls SpineNN uses for threads.
#include <oneapi/dnnl/dnnl.h>
void omp_set_num_threads(int);
int omp_get_max_threads(void);
