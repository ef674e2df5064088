#define _GNU_SOURCE
#include "CLinux.h"
int clinux_placeholder(void) { return 0; }
