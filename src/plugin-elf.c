/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "plugin-elf.h"
#include "util.h"

/* Does [off, off + len) lie within size bytes? */
static bool in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* The first ELL call among the undefined symbols of symtab, or NULL. */
static const char *ell_import(const uint8_t *file, const ElfW(Shdr) *symtab,
			      const ElfW(Shdr) *strtab)
{
	const ElfW(Sym) *syms = (const void *) (file + symtab->sh_offset);
	const char *strs = (const char *) (file + strtab->sh_offset);
	size_t n = symtab->sh_size / sizeof(ElfW(Sym));

	for (size_t i = 1; i < n; i++) {
		uint64_t name = syms[i].st_name;

		if (syms[i].st_shndx != SHN_UNDEF ||
		    !in_file(name, 3, strtab->sh_size))
			continue;
		/* The table ends with a NUL: checked by the caller. */
		if (!strncmp(strs + name, "l_", 2))
			return strs + name;
	}

	return NULL;
}

static int check_image(const uint8_t *file, size_t size, const char *path,
		       char *err, size_t err_size)
{
	const ElfW(Ehdr) *eh = (const void *) file;
	const ElfW(Shdr) *sh;
	const char *import;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 :
						       ELFCLASS32))
		goto bad;
	if (!eh->e_shoff || !eh->e_shnum)
		return 0;
	if (eh->e_shentsize != sizeof(*sh) ||
	    !in_file(eh->e_shoff, (uint64_t) eh->e_shnum * sizeof(*sh), size) ||
	    eh->e_shoff % _Alignof(ElfW(Shdr)))
		goto bad;

	sh = (const void *) (file + eh->e_shoff);
	for (unsigned int i = 0; i < eh->e_shnum; i++) {
		const ElfW(Shdr) *strtab;

		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		if (sh[i].sh_entsize != sizeof(ElfW(Sym)) ||
		    !in_file(sh[i].sh_offset, sh[i].sh_size, size) ||
		    sh[i].sh_offset % _Alignof(ElfW(Sym)) ||
		    sh[i].sh_link >= eh->e_shnum)
			goto bad;
		strtab = &sh[sh[i].sh_link];
		if (!in_file(strtab->sh_offset, strtab->sh_size, size) ||
		    !strtab->sh_size ||
		    file[strtab->sh_offset + strtab->sh_size - 1] != '\0')
			goto bad;

		import = ell_import(file, &sh[i], strtab);
		if (import) {
			snprintf(err, err_size, "%s: calls %s of ELL, which is "
				 "not part of the plugin API", path, import);
			return -EPERM;
		}
	}

	return 0;

bad:
	snprintf(err, err_size, "%s: not an ELF shared object of this machine",
		 path);
	return -ENOEXEC;
}

int sf_plugin_elf_check(int fd, const char *path, char *err, size_t err_size)
{
	struct stat st;
	void *file;
	int r;

	if (fstat(fd, &st) < 0) {
		r = SF_NEG_ERRNO();
		snprintf(err, err_size, "%s: %s", path, strerror(-r));
		return r;
	}
	if (st.st_size <= 0) {
		snprintf(err, err_size, "%s: empty", path);
		return -ENOEXEC;
	}

	file = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (file == MAP_FAILED) {
		r = SF_NEG_ERRNO();
		snprintf(err, err_size, "%s: %s", path, strerror(-r));
		return r;
	}

	r = check_image(file, st.st_size, path, err, err_size);
	munmap(file, st.st_size);
	return r;
}
