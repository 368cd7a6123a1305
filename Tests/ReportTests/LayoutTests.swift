import Testing
@testable import Report

@Suite struct LayoutTests {
    @Test func niceStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        #expect(Ticks.niceStep(span: 100, count: 5) == 20)
        #expect(Ticks.niceStep(span: 1000, count: 4) == 500)
        #expect(Ticks.niceStep(span: 7, count: 5) == 2)
        #expect(Ticks.niceStep(span: 0.9, count: 3) == 0.5)
        #expect(Ticks.niceStep(span: 1_234_567, count: 5) == 500_000)
        #expect(Ticks.niceStep(span: 0, count: 5) == 1)
    }

    @Test func countTicksStartAtZeroAndCoverTheMaximum() {
        #expect(Ticks.countTicks(maximum: 37) == [0, 10, 20, 30, 40])
        #expect(Ticks.countTicks(maximum: 3) == [0, 1, 2, 3])
        #expect(Ticks.countTicks(maximum: 0) == [0, 1])
        for m in [1.0, 9, 99, 101, 4_999, 123_456] {
            let t = Ticks.countTicks(maximum: m)
            #expect(t.first == 0 && t.last! >= m && t.count <= 12, "\(m): \(t)")
        }
    }

    @Test func timeTicksAreRoundMultiplesInsideTheRange() {
        let start: Int64 = 1_700_000_003_400_000, end = start + 95_000_000  // 95 s
        let (step, ticks) = Ticks.timeTicks(start: start, end: end, maxTicks: 8)
        #expect(step == 20_000_000)
        #expect(ticks.allSatisfy { $0 >= start && $0 < end && $0 % step == 0 })
        #expect(ticks.count >= 4 && ticks.count <= 8)
    }

    @Test func linearScaleMapsDomainOntoRange() {
        let y = LinearScale(domain: (0, 200), range: (300, 100))
        #expect(y(0) == 300)
        #expect(y(200) == 100)
        #expect(y(50) == 250)
        #expect(LinearScale(domain: (5, 5), range: (1, 2))(7) == 1)
    }

    @Test func squarifiedRectanglesTileTheAreaInProportion() {
        let values: [Double] = [6, 6, 4, 3, 2, 2, 1]  // the paper's example
        let area = Rect(x: 10, y: 20, width: 600, height: 400)
        let rects = Squarify.layout(values, in: area)
        let total = values.reduce(0, +)
        for (v, r) in zip(values, rects) {
            #expect(abs(r.area - v / total * area.area) < 0.01)
            #expect(r.x >= area.x - 1e-9 && r.y >= area.y - 1e-9)
            #expect(r.x + r.width <= area.x + area.width + 1e-6 && r.y + r.height <= area.y + area.height + 1e-6)
            // Squarified: no sliver.
            #expect(max(r.width / r.height, r.height / r.width) < 4)
        }
        for i in rects.indices {
            for j in rects.indices where j > i {
                let a = rects[i], b = rects[j]
                let overlapW = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
                let overlapH = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
                #expect(overlapW <= 1e-6 || overlapH <= 1e-6, "\(i) and \(j) overlap")
            }
        }
        let covered = rects.reduce(0) { $0 + $1.area }
        #expect(abs(covered - area.area) < 0.01)
    }

    @Test func squarifyGivesZerosNothingAndSurvivesDegenerateInput() {
        let rects = Squarify.layout([5, 0, 5], in: Rect(x: 0, y: 0, width: 100, height: 100))
        #expect(rects[1].area == 0)
        #expect(abs(rects[0].area - 5000) < 0.01)
        #expect(Squarify.layout([], in: Rect(x: 0, y: 0, width: 10, height: 10)).isEmpty)
        #expect(Squarify.layout([1, 2], in: Rect(x: 0, y: 0, width: 0, height: 10)).allSatisfy { $0.area == 0 })
    }

    @Test func stackedBarsStackBottomUpToScale() {
        let segments = StackedBars.layout([[10, 0, 30], [5, 5, 0]], top: 40, area: Rect(x: 0, y: 0, width: 100, height: 400), gap: 0)
        #expect(segments.count == 4)  // zeros have no segment
        let first = segments.filter { $0.bar == 0 }
        #expect(first[0].rect.y + first[0].rect.height == 400)  // on the baseline
        #expect(first[0].rect.height == 100 && first[1].rect.height == 300)
        #expect(first[1].rect.y == 0)  // 40 of 40: the top
        #expect(abs(first[1].rect.y + first[1].rect.height - first[0].rect.y) < 1e-9)  // stacked without a gap
        #expect(segments.filter { $0.bar == 1 }.allSatisfy { $0.rect.x == 50 && $0.rect.width == 50 })
    }

    @Test func svgNumbersAndShortCounts() {
        #expect(SVG.num(3) == "3")
        #expect(SVG.num(2.345) == "2.35")
        #expect(SVG.num(.nan) == "0")
        #expect(shortCount(999) == "999")
        #expect(shortCount(1_500) == "1.5k")
        #expect(shortCount(2_000_000) == "2M")
        #expect(shortCount(12_345_678) == "12.3M")
    }
}
