/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test plugin: a shared object without the descriptor symbol. */
__attribute__((visibility("default"))) int not_a_subflowd_plugin = 1;
