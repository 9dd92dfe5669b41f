package main

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"time"

	"kipass/certificates"
)

func cmdKeys(_ context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "rotate" {
		return fail(2, "usage: kipass keys rotate --data DIR")
	}
	fs := newFlags("keys rotate", e)
	data := fs.String("data", "./data", "data `directory` of the kipass installation")
	if err := parseFlags(fs, args[1:], e); err != nil {
		return err
	}
	ks, err := certificates.OpenKeyStore(filepath.Join(*data, "keys"), time.Now)
	if err != nil {
		return fail(1, "signing keys in %s: %v", *data, err)
	}
	old := ks.Current()
	k, err := ks.Rotate()
	if err != nil {
		return fail(1, "rotate: %v", err)
	}
	fmt.Fprintf(e.stdout, "new signing key %s; the previous key %s stays in the JWKS so certificates it signed keep verifying.\n", k.ID, old.ID)
	fmt.Fprintln(e.stdout, "A running server picks the new key up within a minute.")
	return nil
}

// keyHolder serves the current key store and reloads it from its folder,
// so that `kipass keys rotate` takes effect in a running server.
type keyHolder struct {
	p atomic.Pointer[certificates.KeyStore]
}

// Get returns the current key store.
func (h *keyHolder) Get() *certificates.KeyStore { return h.p.Load() }

// reloadTask returns the task step that reopens the key folder and swaps
// in a store whose current key changed.
func (h *keyHolder) reloadTask(dir string, log *slog.Logger) func(context.Context) {
	return func(context.Context) {
		ks, err := certificates.OpenKeyStore(dir, time.Now)
		if err != nil {
			log.Error("reload signing keys", "err", err)
			return
		}
		if ks.Current().ID != h.Get().Current().ID || len(ks.Keys()) != len(h.Get().Keys()) {
			h.p.Store(ks)
			log.Info("signing keys reloaded", "current_kid", ks.Current().ID)
		}
	}
}

// addressKey derives the key of the login throttle's address hash
// (kapp.Deps.AddressKey) from the oldest signing key with a private part:
// every instance sharing the key set derives the same one, a rotation
// (which adds a newer key) does not change it, and the database alone,
// which never holds the signing keys, cannot undo the hash. nil (a random
// key per process) when no key has a private part.
func addressKey(ks *certificates.KeyStore) []byte {
	keys := ks.Keys() // newest first
	for i := len(keys) - 1; i >= 0; i-- {
		if keys[i].Private == nil {
			continue
		}
		secret, err := keys[i].Private.Bytes()
		if err != nil {
			continue
		}
		key, err := hkdf.Key(sha256.New, secret, nil, "kipass-login-address-v1", 32)
		if err != nil {
			continue
		}
		return key
	}
	return nil
}
