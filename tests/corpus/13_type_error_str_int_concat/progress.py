"""Progress reporting for batch jobs."""


class Job:
    def __init__(self, name: str, steps: int) -> None:
        self.name = name
        self.steps = steps
        self.done = 0

    def advance(self, n: int = 1) -> None:
        self.done = min(self.steps, self.done + n)

    @property
    def finished(self) -> bool:
        return self.done >= self.steps


def status(label: str, done: int, total: int) -> str:
    return label + ": " + done + "/" + str(total)


def report(jobs: list[Job]) -> list[str]:
    return [status(job.name, job.done, job.steps) for job in jobs]
