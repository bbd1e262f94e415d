import Foundation
import GRDB
@testable import Service
import Testing

/// Note [A disk that fills, a store that is locked]: which errors are a full disk or a locked
/// store, as the API reports them. `scripts/check-faults.py` (run by `make test`) makes both
/// happen to a real server.
@Suite("Storage failures")
struct StorageFailureTests {
    @Test(arguments: [
        (DatabaseError(resultCode: .SQLITE_FULL) as any Error, ServiceError.Code.storageFull),
        (DatabaseError(resultCode: .SQLITE_BUSY), .storeBusy),
        (DatabaseError(resultCode: .SQLITE_LOCKED), .storeBusy),
        (POSIXError(.ENOSPC), .storageFull),
        (POSIXError(.EDQUOT), .storageFull),
        (CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: "/data/policies.json"]), .storageFull),
    ])
    func isReportedAsStorage(error: any Error, code: ServiceError.Code) {
        let mapped = ServiceError(mapping: error)
        #expect(mapped.code == code)
        #expect(!mapped.message.isEmpty)
    }

    @Test func namesTheFileThatHadNoRoom() {
        let error = CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: "/data/policies.json"])
        #expect(ServiceError(mapping: error).message.contains("/data/policies.json"))
    }

    @Test func otherStoreErrorsAreNotStorage() {
        #expect(ServiceError(storageFailure: DatabaseError(resultCode: .SQLITE_CORRUPT)) == nil)
        #expect(ServiceError(storageFailure: POSIXError(.EACCES)) == nil)
        #expect(ServiceError(mapping: ServiceError(.unknownJob, "x")).code == .unknownJob)
    }
}
