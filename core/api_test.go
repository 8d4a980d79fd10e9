package core

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOptionsHaveUsers: every Option the package exports is used by the
// program outside core (gui, cli, storage, main), or by the tests of another
// package, which export_test.go cannot serve. An option only core's tests use
// belongs in export_test.go, so that the API shows what the program relies
// on and nothing a caller could misuse (such as raising the in-flight limit
// Apple's burst throttling sets).
func TestOptionsHaveUsers(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var options []string
	for _, f := range pkgs["core"].Files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !fn.Name.IsExported() || fn.Type.Results == nil || len(fn.Type.Results.List) != 1 {
				continue
			}
			if id, ok := fn.Type.Results.List[0].Type.(*ast.Ident); ok && id.Name == "Option" {
				options = append(options, fn.Name.Name)
			}
		}
	}
	if len(options) == 0 {
		t.Fatal("found no exported options")
	}
	var program, otherTests strings.Builder // the Go source outside core
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == "core" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "..":
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(path, ".go"):
			return nil
		}
		b, err := os.ReadFile(path)
		if strings.HasSuffix(path, "_test.go") {
			otherTests.Write(b)
		} else {
			program.Write(b)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range options {
		if call := "core." + o + "("; !strings.Contains(program.String(), call) && !strings.Contains(otherTests.String(), call) {
			t.Errorf("core.%s has no user outside tests: move it to export_test.go or delete it", o)
		}
	}
}
