/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Codec: what a plugin file imports, read from its ELF dynamic symbol table
 * before it is loaded. The plugin ABI is <subflowd/plugin.h> alone; the
 * daemon exports some ELL calls to its own systemd module, and this keeps
 * plugins from binding to them.
 */
#pragma once

#include <stddef.h>

/*
 * fd: the plugin file, path: its name for messages. Returns 0, or -EPERM
 * (with err) when it imports an ELL call (l_*), or -ENOEXEC when it is not
 * a well-formed ELF file of this machine's class. A file without section
 * headers tells nothing and passes.
 */
int sf_plugin_elf_check(int fd, const char *path, char *err, size_t err_size);
