/** Consumer groups: state, members and total lag of each. */
import { Link } from 'wouter-preact';
import { api, mapLimit, type GroupDescription, type GroupSummary } from '../api';
import { Empty, ErrorBox, Loading } from '../components/ui';
import { num } from '../format';
import { usePoll } from '../hooks';

type Row = GroupSummary & { described?: GroupDescription; error?: unknown };

/** Total lag over a group's committed partitions. */
export const totalLag = (g: GroupDescription): number => g.offsets.reduce((n, o) => n + o.lag, 0);

/** The groups list page. */
export function GroupsPage() {
  const { data, error } = usePoll(async (): Promise<Row[]> => {
    const { groups } = await api.listGroups();
    return mapLimit(groups, 6, (g) =>
      api.describeGroup(g.group).then(
        (described): Row => ({ ...g, described }),
        (err: unknown): Row => ({ ...g, error: err }),
      ),
    );
  }, 3000);

  return (
    <section>
      <div class="page-head">
        <h2>Consumer groups</h2>
      </div>
      <ErrorBox error={error} title="Could not list groups" />
      {data === undefined ? (
        error ? null : <Loading />
      ) : data.length === 0 ? (
        <Empty title="No consumer groups yet.">
          A group appears when a consumer joins it (heartbeat) or commits offsets, e.g. <code>npx eddy consume orders --group billing</code>.
        </Empty>
      ) : (
        <div class="table-wrap">
          <table class="striped">
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">State</th>
                <th scope="col" class="num">
                  Members
                </th>
                <th scope="col">Topics</th>
                <th scope="col" class="num">
                  Total lag
                </th>
              </tr>
            </thead>
            <tbody>
              {data.map((g) => (
                <tr key={g.group} data-group={g.group}>
                  <td>
                    <Link href={`/groups/${encodeURIComponent(g.group)}`}>{g.group}</Link>
                  </td>
                  <td>
                    <State state={g.state} />
                  </td>
                  <td class="num">{g.members}</td>
                  {g.described ? (
                    <>
                      <td>{[...new Set(g.described.offsets.map((o) => o.topic).concat(g.described.members.flatMap((m) => m.topics)))].sort().join(', ') || '—'}</td>
                      <td class="num" data-col="lag">
                        {num(totalLag(g.described))}
                      </td>
                    </>
                  ) : (
                    <td colSpan={2}>
                      <ErrorBox error={g.error} />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** A group state as a badge. */
export function State({ state }: { state: string }) {
  return <span class={`badge state-${state.toLowerCase()}`}>{state}</span>;
}
