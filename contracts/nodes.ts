/**
 * Node ids of the federation: `00` the national portal, `01`..`20` the
 * ISTAT regions except Trentino-Alto Adige (04), which is two nodes: `21` Bolzano and `22` Trento.
 */
export const NodeIds = [
  '00', '01', '02', '03', '05', '06', '07', '08', '09', '10', '11',
  '12', '13', '14', '15', '16', '17', '18', '19', '20', '21', '22',
] as const; // prettier-ignore

export type NodeId = (typeof NodeIds)[number];

/** The national portal's node id. */
export const NationalNode: NodeId = '00';

export function isNodeId(value: string): value is NodeId {
  return (NodeIds as readonly string[]).includes(value);
}
