package gui

// keysShown reports whether the window has shown the key list it read: the
// right-hand side holds the selected key, the empty state or the damaged
// list instead of the blank it starts with.
func (u *ui) keysShown() bool {
	switch u.right.Objects[0] {
	case u.empty.content, u.view.content, u.corrupt.content, u.overview.content:
		return true
	}
	return false
}
