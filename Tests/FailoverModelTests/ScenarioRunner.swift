import FailoverModel
import Testing

/// Runs `steps` against `model`, checking each step's events (or error) in order.
@discardableResult
func run(_ model: inout RoleModel, _ steps: [Step],
         sourceLocation: SourceLocation = #_sourceLocation) -> RoleModel {
    for (n, step) in steps.enumerated() {
        let before = model
        switch model.apply(step.op, at: time(n)) {
        case .success(let events):
            #expect(step.error == nil, "step \(n) `\(step.op)` should have thrown", sourceLocation: sourceLocation)
            #expect(describe(events) == step.expected, "step \(n) `\(step.op)`", sourceLocation: sourceLocation)
            #expect(events.allSatisfy { $0.at == time(n) && $0.role == model.name },
                    "step \(n) `\(step.op)` stamps its events", sourceLocation: sourceLocation)
        case .failure(let error):
            #expect(error == step.error, "step \(n) `\(step.op)` threw \(error)", sourceLocation: sourceLocation)
            #expect(model == before, "step \(n) `\(step.op)` threw but changed the model", sourceLocation: sourceLocation)
        }
    }
    return model
}

/// Runs `steps` on a fresh model and returns it.
@discardableResult
func run(_ steps: [Step], on initial: RoleModel = makeModel(),
         sourceLocation: SourceLocation = #_sourceLocation) -> RoleModel {
    var model = initial
    return run(&model, steps, sourceLocation: sourceLocation)
}

/// Brings a fresh a/b/c model to "all up, a active" (rise 2, fall 2).
let allUpOnA: [Step] = [
    Step(.pass("a"), ["a:up", "->a startup"]),
    Step(.pass("b"), ["b:up"]),
    Step(.pass("c"), ["c:up"]),
]
