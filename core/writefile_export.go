package core

// WriteFile writes data into dir as name by the download writer's rules: the
// folder is created (0755) if missing, the data goes to a temporary file in
// dir that is synced and then moved into place, so name is complete or
// absent, never half-written. A file of that name with the same content is
// reused (reused = true). A different one, or a symbolic link, is replaced
// when overwrite is set (the link itself, never what it points to);
// otherwise the data goes to "name (2).ext" and so on. core/provision
// installs profiles with it.
func WriteFile(dir, name string, data []byte, overwrite bool) (path string, reused bool, err error) {
	return writeFileNoClobber(dir, name, data, overwrite)
}
