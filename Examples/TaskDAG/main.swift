// The seeds' task graph: two createMatrix tasks feed a multiply task; refs pass between tasks
// without the driver touching the values.
// Run: swift run -c release TaskDAG
import SwiftRay

struct Matrix: Sendable {
    let size: Int
    var cells: [Double]

    static func filled(_ size: Int, with value: Double) -> Matrix {
        Matrix(size: size, cells: [Double](repeating: value, count: size * size))
    }

    func multiplied(by other: Matrix) -> Matrix {
        var result = Matrix.filled(size, with: 0)
        for i in 0..<size {
            for k in 0..<size {
                let a = cells[i * size + k]
                for j in 0..<size { result.cells[i * size + j] += a * other.cells[k * size + j] }
            }
        }
        return result
    }
}

let ray = try RayRuntime()
defer { ray.shutdown() }

let createMatrix = try ray.remote(TaskOptions(name: "createMatrix")) { (size: Int) in Matrix.filled(size, with: 1) }
let multiply = try ray.remote(TaskOptions(name: "multiply")) { (a: Matrix, b: Matrix) in a.multiplied(by: b) }

let a = try createMatrix.remote(128)
let b = try createMatrix.remote(128)
let product = try multiply.remote(a, b)          // starts when both inputs exist
let result = try ray.get(product)
print("product[0][0] =", result.cells[0], "(expected 128)")
guard result.cells[0] == 128 else { fatalError("wrong product") }

// A failure travels down the graph with its cause.
enum Bad: Error { case input }
let broken = try ray.remote(TaskOptions(name: "broken")) { () throws -> Matrix in throw Bad.input }
do {
    _ = try ray.get(try multiply.remote(try broken.remote(), b))
} catch let error as RayTaskError {
    print("as expected:", error.taskName, "->", error.chain, "cause", error.cause)
}
