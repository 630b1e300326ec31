package couponsd

import "context"

// BackupSession is an online backup: a stream of parts on one connection of
// its own (BACKUP_BEGIN, BACKUP_PART..., BACKUP_END). None of its steps is
// retried. Close it when done.
type BackupSession struct {
	conn *conn
}

// Backup opens a connection to the node in use for a backup.
func (c *Client) Backup(ctx context.Context) (*BackupSession, error) {
	cn, err := dialConn(ctx, c.currentTarget(), c.cfg)
	if err != nil {
		return nil, err
	}
	return &BackupSession{conn: cn}, nil
}

func backupCall[T any](ctx context.Context, b *BackupSession, req Request) (*T, error) {
	f, err := b.conn.call(ctx, req.Opcode(), EncodeRequest(nil, req))
	if err != nil {
		return nil, err
	}
	if f.Status != 0 {
		return nil, errorFromFrame(f)
	}
	v, err := decodeOK(req.Opcode(), f)
	if err != nil {
		return nil, err
	}
	return v.(*T), nil
}

// Begin starts the backup at the LSN the node has applied now; withDigest
// asks BACKUP_END for the digest too.
func (b *BackupSession) Begin(ctx context.Context, withDigest bool) (*BackupHeader, error) {
	flags := uint8(0)
	if withDigest {
		flags = BackupDigest
	}
	return backupCall[BackupHeader](ctx, b, BackupBeginRequest{Flags: flags})
}

// Part returns part seq (0, 1, ...); its Value is nil once every part was sent.
func (b *BackupSession) Part(ctx context.Context, seq uint32) (*BackupPart, error) {
	return backupCall[BackupPart](ctx, b, BackupPartRequest{Seq: seq})
}

// End finishes the backup once Part said no part is left.
func (b *BackupSession) End(ctx context.Context) (*BackupEnd, error) {
	return backupCall[BackupEnd](ctx, b, BackupEndRequest{})
}

// Abort ends the backup early.
func (b *BackupSession) Abort(ctx context.Context) error {
	_, err := backupCall[Empty](ctx, b, BackupAbortRequest{})
	return err
}

// Close closes the backup's connection.
func (b *BackupSession) Close() { b.conn.close(ErrClosed) }
