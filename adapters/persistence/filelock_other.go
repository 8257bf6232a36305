//go:build !unix

package persistence

import (
	"context"
	"errors"
)

// errNoFileLock means the platform has no advisory file locks.
var errNoFileLock = errors.New("file locks unsupported")

// lockFile is unavailable here; Migrate falls back to bun's lock table.
func lockFile(context.Context, string) (func(), error) { return nil, errNoFileLock }
