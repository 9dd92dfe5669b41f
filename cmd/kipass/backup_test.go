package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Back up while the server runs, then restore into a new data folder and
// log in there.
func TestBackupAndRestoreDrill(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, nil, "--data", data)
	if code, b := apiCall(t, "POST", s.url+"/api/v1/register", "", map[string]string{"name": "Erika", "email": "erika@example.com", "password": "correct horse battery"}); code != 201 {
		t.Fatalf("register: %d %s", code, b)
	}
	file := filepath.Join(t.TempDir(), "kipass-backup.db")
	code, out, errOut := runCmd(t, "backup", file, "--data", data)
	if code != 0 || !strings.Contains(out, "integrity check ok") {
		t.Fatalf("backup: %d %q %q", code, out, errOut)
	}
	if code, _, _ := runCmd(t, "backup", file, "--data", data); code != 1 {
		t.Fatal("an existing backup was overwritten")
	}
	if code, _, _ := runCmd(t, "backup", filepath.Join(t.TempDir(), "x.db"), "--data", t.TempDir()); code != 1 {
		t.Fatal("backup of an empty folder succeeded")
	}
	if code, _, _ := runCmd(t, "backup"); code != 2 {
		t.Fatal("usage error not 2")
	}
	restored := t.TempDir()
	b, _ := os.ReadFile(file)
	must(t, os.WriteFile(filepath.Join(restored, "kipass.db"), b, 0o600))
	s2 := startServer(t, nil, "--data", restored)
	login(t, s2.url, "erika@example.com", "correct horse battery")
}
