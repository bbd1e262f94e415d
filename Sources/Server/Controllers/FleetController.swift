import Foundation
import Hummingbird
import Service

/// The fleet (Note [The fleet]), admin only like the memory routes: `GET /api/fleet` lists
/// every worker sharing the database with its memory per device and its models;
/// `POST /api/fleet/clear_cache` and `/api/fleet/unload_and_clear` with `worker=` (default: this
/// one) and `device=` (default: all its opened devices) have that worker clear, and answer with
/// its before/after report and the id of the audit entry it wrote.
struct FleetController {
    let fleet: Fleet

    func addRoutes(to router: Router<AurisRequestContext>, admin: AdminAccessMiddleware) {
        let group = router.group("api/fleet").add(middleware: admin)
        group.get { _, _ in
            try JSONResponse.make(Members(this: fleet.name, workers: try await fleet.members()))
        }
        for action in ClearAction.allCases {
            group.post(RouterPath(stringLiteral: action.rawValue)) { request, context in
                let query = request.uri.queryParameters
                let nonEmpty = { (name: String) in query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
                return try JSONResponse.make(try await fleet.clear(action, worker: nonEmpty("worker"), device: nonEmpty("device"),
                                                                   actor: context.actor))
            }
        }
    }

    struct Members: Encodable {
        /// This worker's name.
        let this: String
        let workers: [FleetMember]

        enum CodingKeys: String, CodingKey {
            case this = "self"
            case workers
        }
    }
}
