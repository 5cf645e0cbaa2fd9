// Placeholder replaced by the handler implementation (issue 3).
export const handler = async (): Promise<unknown> => ({ statusCode: 501, body: 'not implemented' });
