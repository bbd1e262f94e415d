import Foundation
import GRDB

/// Note [A disk that fills, a store that is locked]: a server left running for weeks meets a
/// full disk (its uploads, another user's files) and, now and then, a store another process has
/// locked (a backup, an operator's `sqlite3` shell). Neither is a bug, and neither may kill the
/// server or leave it half-written: every write checks its result and fails the one request
/// (507 `storage_full`, 503 `store_busy`) with what was partly written removed, and SQLite's
/// transactions keep the store whole. The store waits up to its busy timeout (10 s) before it
/// gives up on a lock; the request can then be tried again.
extension ServiceError {
    /// The error as a full disk or a locked store, when it is one.
    init?(storageFailure error: any Error) {
        switch error {
        case let error as ServiceError where error.code == .storageFull || error.code == .storeBusy:
            // Already said (the PostgreSQL store's errors: a database that cannot be reached).
            self = error
        case let error as DatabaseError where error.resultCode == .SQLITE_FULL:
            self.init(.storageFull, "the disk holding the store is full; free some space (the store is unchanged)")
        case let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED:
            self.init(.storeBusy, "another process has held the store's lock for over 10 s; try again when it lets go")
        case let error as CocoaError where error.code == .fileWriteOutOfSpace:
            self.init(.storageFull, "no room left on the disk\(Self.path(of: error)); free some space and try again")
        case let error as POSIXError where error.code == .ENOSPC || error.code == .EDQUOT:
            self.init(.storageFull, "no room left on the disk; free some space and try again")
        default:
            return nil
        }
    }

    private static func path(of error: CocoaError) -> String {
        (error.userInfo[NSFilePathErrorKey] as? String).map { " for \($0)" } ?? ""
    }
}
