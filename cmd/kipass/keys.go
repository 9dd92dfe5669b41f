package main

import (
	"cmp"
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"kipass/certificates"
	"kipass/internal/store"
)

func cmdKeys(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "rotate" {
		return fail(2, "usage: kipass keys rotate --data DIR [--database URL]")
	}
	fs := newFlags("keys rotate", e)
	data := fs.String("data", "./data", "data `directory` of the kipass installation")
	database := fs.String("database", "", "PostgreSQL `URL` of the instances sharing this key folder: they read it again at once (docs/SCALING.md)")
	if err := parseFlags(fs, args[1:], e); err != nil {
		return err
	}
	if err := checkDatabaseURL(*database); err != nil {
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
	if *database == "" {
		fmt.Fprintln(e.stdout, "A running server picks the new key up within a minute.")
		return nil
	}
	if err := store.NotifyKeysRotated(ctx, *database); err != nil {
		// The key is written; the instances still find it within 30 seconds.
		return fail(1, "new key written, but the instances could not be told (they read the folder again within 30 seconds): %v", err)
	}
	fmt.Fprintln(e.stdout, "The instances on the database read the new key now.")
	return nil
}

// keyHolder serves the current key store and reads its folder again, so
// that `kipass keys rotate` takes effect in a running server: every 30
// seconds, at once when the rotation is announced on PostgreSQL (all
// instances share one key folder; docs/SCALING.md), and when a credential
// names a key the store does not know (another instance may have seen the
// rotation first).
type keyHolder struct {
	p   atomic.Pointer[certificates.KeyStore]
	dir string // the key folder; "" for --signing-key, which is never read again
	log *slog.Logger

	mu       sync.Mutex // one reload at a time; guards lastKid
	lastKid  time.Time  // when an unknown kid last caused a reload
	kidEvery time.Duration
}

// Get returns the current key store.
func (h *keyHolder) Get() *certificates.KeyStore { return h.p.Load() }

// reload reads the key folder and swaps in a store whose keys changed; it
// reports whether they did.
func (h *keyHolder) reload() bool {
	if h.dir == "" {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.reloadLocked()
}

func (h *keyHolder) reloadLocked() bool {
	ks, err := certificates.OpenKeyStore(h.dir, time.Now)
	if err != nil {
		h.log.Error("reload signing keys", "err", err)
		return false
	}
	if old := h.Get(); ks.Current().ID == old.Current().ID && len(ks.Keys()) == len(old.Keys()) {
		return false
	}
	h.p.Store(ks)
	h.log.Info("signing keys reloaded", "current_kid", ks.Current().ID)
	return true
}

// unknownKid is web.Signer.Refresh: a credential names a key that is not
// in the store, so the folder is read again, at most once per kidEvery
// (default a second), since anyone can send a made-up kid.
func (h *keyHolder) unknownKid() bool {
	if h.dir == "" {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if time.Since(h.lastKid) < cmp.Or(h.kidEvery, time.Second) {
		return false
	}
	h.lastKid = time.Now()
	return h.reloadLocked()
}

// reloadTask returns the task step that reads the key folder again.
func (h *keyHolder) reloadTask() func(context.Context) {
	return func(context.Context) { h.reload() }
}

// followRotations reads the key folder again whenever rotated (the
// store's KeysRotated) signals, until ctx ends.
func (h *keyHolder) followRotations(ctx context.Context, rotated <-chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-rotated:
			h.reload()
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
