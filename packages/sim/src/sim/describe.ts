/** describeMessage renders a wire message in one short trace-friendly line. */
import type { Entry, Message } from '@raftkit/core';

/** describeEntries renders entries as `5@3` or `5@3..7@4`. */
export function describeEntries(entries: readonly Entry[]): string {
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (first === undefined || last === undefined) return '-';
  return first === last ? `${first.index}@${first.term}` : `${first.index}@${first.term}..${last.index}@${last.term}`;
}

/** describeMessage renders the fields of `message` that matter for reading a trace. */
export function describeMessage(message: Message): string {
  switch (message.type) {
    case 'requestVote':
      return `${message.preVote ? 'preVote' : 'vote'} t${message.term} last${message.lastLogIndex}@${message.lastLogTerm}${message.transfer === true ? ' transfer' : ''}`;
    case 'requestVoteResponse':
      return `${message.preVote ? 'preVote' : 'vote'}${message.granted ? 'Granted' : 'Refused'} t${message.term}`;
    case 'appendEntries':
      return `append t${message.term} prev${message.prevLogIndex}@${message.prevLogTerm} e${describeEntries(message.entries)} c${message.leaderCommit}`;
    case 'appendEntriesResponse':
      return message.success
        ? `appendOk t${message.term} match${message.matchIndex}`
        : `appendRejected t${message.term} at${message.rejectedIndex} hint${message.conflictIndex}@${message.conflictTerm}`;
    case 'heartbeat':
      return `heartbeat t${message.term} c${message.commit}`;
    case 'heartbeatResponse':
      return `heartbeatOk t${message.term}`;
    case 'installSnapshot':
      return `snapshot t${message.term} ${message.meta.index}@${message.meta.term} off${message.offset}${message.done ? ' done' : ''}`;
    case 'installSnapshotResponse':
      return `snapshotOk t${message.term} ${message.index} ${message.success ? 'ok' : 'failed'}`;
    case 'timeoutNow':
      return `timeoutNow t${message.term}`;
    case 'readIndex':
      return `readIndex t${message.term} ${message.context}`;
    case 'readIndexResponse':
      return `readIndexOk t${message.term} ${message.context} ${message.index}`;
  }
}
