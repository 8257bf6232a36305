//go:build unix

package persistence_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jarvis/jarvis-auth/adapters/persistence"
)

// TestMigrate_SQLiteLockDiesWithItsHolder holds the migration lock from
// another process, checks Migrate waits for it, then kills the holder
// (as a crash would) and checks Migrate goes through.
func TestMigrate_SQLiteLockDiesWithItsHolder(t *testing.T) {
	flock, err := exec.LookPath("flock")
	if err != nil {
		t.Skip("flock(1) not installed")
	}
	path := filepath.Join(t.TempDir(), "locked.db")
	db, err := persistence.Open(context.Background(), "sqlite:///"+path)
	require.NoError(t, err)
	defer db.Close()

	// flock(1) opens the lock file, locks it and runs the command, which
	// inherits the locked file: the lock lives until that process dies.
	holder := exec.Command(flock, "--exclusive", "--no-fork", path+".migrate-lock", "sh", "-c", "echo locked; exec sleep 60")
	stdout, err := holder.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, holder.Start())
	buf := make([]byte, 7)
	_, err = stdout.Read(buf) // the holder has the lock once it prints
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	assert.Error(t, persistence.Migrate(ctx, db), "the lock is held by another process")

	require.NoError(t, holder.Process.Kill())
	_ = holder.Wait()
	require.NoError(t, persistence.Migrate(context.Background(), db), "a dead holder's lock is gone")
	require.NoError(t, db.Ready(context.Background()))
}
